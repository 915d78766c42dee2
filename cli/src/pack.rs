//! `frontline pack build CONTENT_DIR -o FILE`: turns the content sources (YAML + Markdown,
//! `content/README.md`) into the pack JSON the core reads (`docs/content-pack.md`).
//!
//! The output is deterministic (same sources, same bytes), so the default pack built into the
//! library (`core/assets/default-pack.json`) can be checked against a fresh build in a test.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use frontline_core::training::pack::{
    Audience, Module, Pack, Question, QuestionKind, Quiz, QuizOption, PACK_FORMAT,
};
use serde::Deserialize;

use crate::{CliError, CliResult};

/// Arguments of `frontline pack`.
#[derive(Debug, Args)]
pub struct PackArgs {
    #[command(subcommand)]
    pub command: PackCommand,
}

/// What to do with a pack.
#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// Build the pack JSON from a content directory.
    Build {
        /// The content directory (with pack.yaml and modules/NN-id/).
        content_dir: PathBuf,
        /// Where to write the pack JSON.
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackSource {
    id: String,
    version: u64,
    language: String,
    title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleSource {
    id: String,
    title: String,
    summary: String,
    audience: Audience,
    minutes: u32,
    refresher_days: Option<u32>,
    key_points: Vec<String>,
    quiz: QuizSource,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuizSource {
    pass_mark_percent: u32,
    questions: Vec<QuestionSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionSource {
    id: String,
    kind: QuestionKind,
    prompt: String,
    options: Vec<OptionSource>,
    correct: Vec<String>,
    explanation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionSource {
    id: String,
    text: String,
    feedback: Option<String>,
}

fn read(path: &Path) -> CliResult<String> {
    std::fs::read_to_string(path).map_err(|source| CliError::Io {
        what: format!("reading {}", path.display()),
        source,
    })
}

fn yaml<T: serde::de::DeserializeOwned>(path: &Path) -> CliResult<T> {
    serde_yaml::from_str(&read(path)?)
        .map_err(|e| CliError::Message(format!("{}: {e}", path.display())))
}

/// Builds and checks the pack from a content directory.
pub fn build_pack(content_dir: &Path) -> CliResult<Pack> {
    let source: PackSource = yaml(&content_dir.join("pack.yaml"))?;
    let modules_dir = content_dir.join("modules");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&modules_dir)
        .map_err(|source| CliError::Io {
            what: format!("listing {}", modules_dir.display()),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut modules = Vec::new();
    for folder in folders {
        let name = folder
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let folder_id = name
            .split_once('-')
            .filter(|(nn, _)| nn.len() == 2 && nn.bytes().all(|b| b.is_ascii_digit()))
            .map(|(_, id)| id.to_owned())
            .ok_or_else(|| CliError::Message(format!("{name}: folder must be named NN-<id>")))?;
        let m: ModuleSource = yaml(&folder.join("module.yaml"))?;
        if m.id != folder_id {
            return Err(CliError::Message(format!(
                "{name}: module id {} does not match the folder",
                m.id
            )));
        }
        let lesson = read(&folder.join("lesson.md"))?;
        modules.push(Module {
            id: m.id,
            title: m.title,
            summary: m.summary,
            audience: m.audience,
            minutes: m.minutes,
            refresher_days: m
                .refresher_days
                .unwrap_or(frontline_core::training::pack::DEFAULT_REFRESHER_DAYS),
            lesson_markdown: lesson,
            key_points: m.key_points,
            quiz: Quiz {
                pass_mark_percent: m.quiz.pass_mark_percent,
                questions: m
                    .quiz
                    .questions
                    .into_iter()
                    .map(|q| Question {
                        id: q.id,
                        kind: q.kind,
                        prompt: q.prompt,
                        options: q
                            .options
                            .into_iter()
                            .map(|o| QuizOption {
                                id: o.id,
                                text: o.text,
                                feedback: o.feedback,
                            })
                            .collect(),
                        correct: q.correct,
                        explanation: q.explanation,
                    })
                    .collect(),
            },
        });
    }
    let pack = Pack {
        format: PACK_FORMAT.to_owned(),
        id: source.id,
        version: source.version,
        language: source.language,
        title: source.title,
        modules,
    };
    pack.validate()
        .map_err(|e| CliError::Message(e.to_string()))?;
    Ok(pack)
}

/// The pack as the bytes `pack build` writes (pretty JSON and a final newline).
pub fn pack_bytes(pack: &Pack) -> CliResult<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(pack)
        .map_err(|e| CliError::Message(format!("serialising the pack: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

/// Runs `frontline pack`.
pub fn run(args: PackArgs) -> CliResult {
    match args.command {
        PackCommand::Build {
            content_dir,
            output,
        } => {
            let pack = build_pack(&content_dir)?;
            std::fs::write(&output, pack_bytes(&pack)?).map_err(|source| CliError::Io {
                what: format!("writing {}", output.display()),
                source,
            })?;
            let questions: usize = pack.modules.iter().map(|m| m.quiz.questions.len()).sum();
            println!(
                "built pack {} version {}: {} modules, {} questions",
                pack.id,
                pack.version,
                pack.modules.len(),
                questions
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn embedded_default_pack_is_a_fresh_build_of_content() {
        let built = pack_bytes(&build_pack(&repo().join("content")).unwrap()).unwrap();
        let embedded = std::fs::read(repo().join("core/assets/default-pack.json")).unwrap();
        assert!(
            built == embedded,
            "core/assets/default-pack.json is stale: run `frontline pack build content -o core/assets/default-pack.json`"
        );
    }

    #[test]
    fn default_content_has_the_expected_tracks() {
        let pack = build_pack(&repo().join("content")).unwrap();
        assert_eq!(pack.modules.len(), 12);
        let specialist = pack
            .modules
            .iter()
            .filter(|m| m.audience == Audience::Specialist)
            .count();
        assert_eq!(specialist, 4);
        assert_eq!(pack.module("phishing").unwrap().refresher_days, 180);
    }

    #[test]
    fn a_bad_source_is_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let src = repo().join("content");
        std::fs::copy(src.join("pack.yaml"), dir.path().join("pack.yaml")).unwrap();
        let m = dir.path().join("modules/01-basics");
        std::fs::create_dir_all(&m).unwrap();
        std::fs::write(m.join("lesson.md"), "# T\n\ntext").unwrap();
        std::fs::write(
            m.join("module.yaml"),
            "id: basics\ntitle: T\nsummary: S\naudience: all_staff\nminutes: 3\nkey_points: [k]\nquiz:\n  pass_mark_percent: 80\n  questions:\n    - id: q1\n      kind: single\n      prompt: P\n      options: [{id: a, text: A}, {id: b, text: B}]\n      correct: [a, b]\n      explanation: E\n",
        )
        .unwrap();
        let err = build_pack(dir.path()).unwrap_err().to_string();
        assert!(err.contains("q1"), "{err}");
    }
}
