//! `frontline pack build CONTENT_DIR -o FILE`: turns the content sources (YAML + Markdown,
//! `content/README.md`) into the pack JSON the core reads (`docs/content-pack.md`).
//!
//! The output is deterministic (same sources, same bytes), so the default pack built into the
//! library (`core/assets/default-pack.json`) can be checked against a fresh build in a test.
//! A pack is built only when it passes the editorial content check (`content_check.rs`);
//! `frontline pack check` runs that check alone and prints its figures.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use frontline_core::training::pack::{
    Audience, Module, Pack, Question, QuestionKind, Quiz, QuizOption, Source, PACK_FORMAT,
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
    /// Run the editorial content check and print its figures, without building.
    Check {
        /// The content directory (with pack.yaml and modules/NN-id/).
        content_dir: PathBuf,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackSource {
    id: String,
    version: u64,
    language: String,
    title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModuleSource {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub audience: Audience,
    /// Read only so the check can refuse it: minutes are computed from the words.
    pub minutes: Option<u32>,
    pub refresher_days: Option<u32>,
    pub key_points: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
    pub quiz: QuizSource,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuizSource {
    pub pass_mark_percent: u32,
    pub questions: Vec<QuestionSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuestionSource {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<OptionSource>,
    pub correct: Vec<String>,
    pub explanation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionSource {
    pub id: String,
    pub text: String,
    pub feedback: Option<String>,
}

/// A content directory as read, before any check.
#[derive(Debug)]
pub(crate) struct ContentSource {
    pub pack: PackSource,
    pub modules: Vec<LoadedModule>,
}

/// One `modules/NN-<id>/` folder as read.
#[derive(Debug)]
pub(crate) struct LoadedModule {
    /// The folder's name, `NN-<id>`.
    pub folder: String,
    pub source: ModuleSource,
    pub lesson: String,
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

/// Reads a content directory: `pack.yaml` and every `modules/NN-<id>/` folder, in order.
pub(crate) fn load_content(content_dir: &Path) -> CliResult<ContentSource> {
    let pack: PackSource = yaml(&content_dir.join("pack.yaml"))?;
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
        let source: ModuleSource = yaml(&folder.join("module.yaml"))?;
        if source.id != folder_id {
            return Err(CliError::Message(format!(
                "{name}: module id {} does not match the folder",
                source.id
            )));
        }
        let lesson = read(&folder.join("lesson.md"))?;
        modules.push(LoadedModule {
            folder: name,
            source,
            lesson,
        });
    }
    Ok(ContentSource { pack, modules })
}

/// Builds the pack from a content directory; refused unless it passes the content check and
/// the core's own checks.
pub fn build_pack(content_dir: &Path) -> CliResult<Pack> {
    let content = load_content(content_dir)?;
    let report = crate::content_check::check(&content);
    if !report.problems.is_empty() {
        return Err(CliError::Message(format!(
            "the content check found {} problem(s):\n  {}",
            report.problems.len(),
            report.problems.join("\n  ")
        )));
    }
    let mut modules = Vec::new();
    for loaded in content.modules {
        let minutes = crate::content_check::minutes(&loaded);
        let m = loaded.source;
        modules.push(Module {
            id: m.id,
            title: m.title,
            summary: m.summary,
            audience: m.audience,
            minutes,
            refresher_days: m
                .refresher_days
                .unwrap_or(frontline_core::training::pack::DEFAULT_REFRESHER_DAYS),
            lesson_markdown: loaded.lesson,
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
            sources: m.sources,
        });
    }
    let source = content.pack;
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
        PackCommand::Check { content_dir } => {
            let report = crate::content_check::check(&load_content(&content_dir)?);
            print!("{}", report.figures);
            if !report.problems.is_empty() {
                for p in &report.problems {
                    println!("problem: {p}");
                }
                return Err(CliError::Message(format!(
                    "the content check found {} problem(s)",
                    report.problems.len()
                )));
            }
            println!("content check passed");
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
        let ids: Vec<&str> = pack.modules.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "frontline-basics",
                "passwords",
                "smartcards-shared-logins",
                "phishing",
                "scam-texts-calls",
                "screen-lock",
                "mobile-device",
                "data-on-the-move",
                "home-working",
                "records-access",
                "ai-chatbots",
                "social-media",
                "reporting-incidents",
                "advisories-patching",
                "access-management",
                "backups-ransomware",
                "incident-response",
            ]
        );
        let specialist: Vec<&str> = pack
            .modules
            .iter()
            .filter(|m| m.audience == Audience::Specialist)
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(
            specialist,
            [
                "advisories-patching",
                "access-management",
                "backups-ransomware",
                "incident-response"
            ]
        );
        // Scams change quickly: both phishing modules come back every six months.
        assert_eq!(pack.module("phishing").unwrap().refresher_days, 180);
        assert_eq!(pack.module("scam-texts-calls").unwrap().refresher_days, 180);
        // Minutes are computed, and every module fits in five.
        assert!(pack.modules.iter().all(|m| (1..=5).contains(&m.minutes)));
        assert!(pack.modules.iter().all(|m| !m.sources.is_empty()));
    }

    #[test]
    fn the_default_policy_links_only_to_lessons_the_pack_has() {
        let pack = build_pack(&repo().join("content")).unwrap();
        let policy: serde_json::Value = serde_json::from_slice(
            &std::fs::read(repo().join("core/assets/default-policy.json")).unwrap(),
        )
        .unwrap();
        let linked: Vec<&str> = policy["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["remediation"]["lesson_id"].as_str())
            .collect();
        assert!(!linked.is_empty());
        for id in linked {
            assert!(
                pack.module(id).is_some(),
                "policy links to missing lesson {id}"
            );
        }
    }

    #[test]
    fn the_check_command_prints_figures_and_fails_on_the_first_pack() {
        let old = repo().join("tests/fixtures/content-pack-v1");
        let err = run(PackArgs {
            command: PackCommand::Check { content_dir: old },
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("problem"), "{err}");
        run(PackArgs {
            command: PackCommand::Check {
                content_dir: repo().join("content"),
            },
        })
        .unwrap();
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
