//! The README and `docs/` use only commands and flags `frontline … --help` explains, so a new
//! user following them never needs a flag the help does not mention (issue #16).
//!
//! Every `frontline …` command line in a code block, and every inline `` `frontline …` ``, is
//! read; each command word must be a subcommand the help lists, and each flag (`--name`, `-o`)
//! must appear in the help of the command or of one of its parents.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "md") {
                out.push(p);
            }
        }
    }
    let mut files = vec![repo().join("README.md")];
    walk(&repo().join("docs"), &mut files);
    files
}

/// The `frontline …` command lines of a Markdown text: whole lines in fenced blocks (with
/// `\` continuations joined, comments dropped) and inline code spans.
fn commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    let mut pending = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            let code = line.split(" #").next().unwrap_or("").trim();
            let code = code.trim_start_matches("$ ");
            if !pending.is_empty() {
                pending.push(' ');
                pending.push_str(code.trim_end_matches('\\'));
                if !code.ends_with('\\') {
                    out.push(std::mem::take(&mut pending));
                }
            } else if code.starts_with("frontline ") {
                if code.ends_with('\\') {
                    pending = code.trim_end_matches('\\').to_owned();
                } else {
                    out.push(code.to_owned());
                }
            }
            continue;
        }
        for (i, span) in line.split('`').enumerate() {
            if i % 2 == 1 && span.starts_with("frontline ") {
                out.push(span.to_owned());
            }
        }
    }
    out
}

/// Help texts by command path, fetched once each.
struct Helps {
    dir: tempfile::TempDir,
    cache: HashMap<Vec<String>, String>,
}

impl Helps {
    fn get(&mut self, path: &[String]) -> String {
        if let Some(h) = self.cache.get(path) {
            return h.clone();
        }
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = support::frontline(self.dir.path(), &args);
        assert_eq!(
            run.code,
            0,
            "`frontline {}` failed: {}",
            args.join(" "),
            run.stderr
        );
        self.cache.insert(path.to_vec(), run.stdout.clone());
        run.stdout
    }
}

/// The subcommands a help text lists under `Commands:`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn mentions(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(i, _)| {
        let after = help[i + flag.len()..].chars().next();
        let before = help[..i].chars().last();
        matches!(after, None | Some(' ' | ',' | '\n' | '=' | '<' | '['))
            && !matches!(before, Some(c) if c.is_alphanumeric() || c == '-')
    })
}

/// Problems with one command line: unknown command words and flags the help does not explain.
fn check(command: &str, helps: &mut Helps) -> Vec<String> {
    let mut problems = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut texts = vec![helps.get(&path)];
    let mut flags = Vec::new();
    let mut expecting_value = false;
    for raw in command.split_whitespace().skip(1) {
        for token in raw
            .trim_matches(|c| matches!(c, '[' | ']' | '(' | ')'))
            .split('|')
        {
            let token = token.trim_matches(|c| matches!(c, '[' | ']'));
            if token.starts_with('-') && token.len() > 1 && token != "->" {
                let name = token.split('=').next().unwrap_or(token);
                flags.push(name.to_owned());
                expecting_value = !token.contains('=');
                continue;
            }
            let subs = subcommands(texts.last().unwrap());
            if subs.iter().any(|s| s == token) {
                path.push(token.to_owned());
                texts.push(helps.get(&path));
                expecting_value = false;
            } else if path.is_empty() && !expecting_value {
                problems.push(format!("`{command}`: `{token}` is not a frontline command"));
                return problems;
            } else {
                expecting_value = false;
            }
        }
    }
    for flag in flags {
        if !texts.iter().any(|t| mentions(t, &flag)) {
            problems.push(format!(
                "`{command}`: {flag} is not explained by `frontline {} --help`",
                path.join(" ")
            ));
        }
    }
    problems
}

#[test]
fn docs_use_only_commands_and_flags_the_help_explains() {
    let mut helps = Helps {
        dir: tempfile::tempdir().unwrap(),
        cache: HashMap::new(),
    };
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for command in commands(&text) {
            checked += 1;
            for p in check(&command, &mut helps) {
                problems.push(format!(
                    "{}: {p}",
                    file.strip_prefix(repo()).unwrap().display()
                ));
            }
        }
    }
    assert!(checked >= 20, "only {checked} commands found in the docs");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_catches_a_flag_the_help_does_not_explain() {
    let mut helps = Helps {
        dir: tempfile::tempdir().unwrap(),
        cache: HashMap::new(),
    };
    assert!(check(
        "frontline device --data-dir d enrol --collector URL --token T --org-key k",
        &mut helps
    )
    .is_empty());
    assert_eq!(
        check(
            "frontline device --data-dir d sync --report-key k",
            &mut helps
        )
        .len(),
        1
    );
    assert_eq!(check("frontline devices list", &mut helps).len(), 1);
}
