//! The core's layers, kept: no module of `core/src` uses a module of a layer above its own.
//!
//! [`LAYERS`] is the one place the layers are written down (ARCHITECTURE.md draws the same
//! table and points here). The check reads the source text: every `crate::` path (in `use`
//! lines, grouped `use crate::{…}` lines and paths written inline) and every `super::` path
//! that climbs to the crate root names a top-level module, or an item `lib.rs` re-exports from
//! one. A module may use its own submodules and the modules of the layers below it; a module
//! of the same layer or of a layer above is refused, so no circle can form. Comments, string
//! literals and `#[cfg(test)]` code are not read: tests may drive the core through any layer.
//! A top-level module missing from the table is refused too, so a new module gets a place.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers of `core/src`, lowest (layer 1) first. A module may use only modules of lower
/// layers. ARCHITECTURE.md draws this table; keep the two alike.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundations: time and the error vocabulary",
        &["clock", "error"],
    ),
    ("cryptography", &["crypto"]),
    ("storage and platform capabilities", &["store", "platform"]),
    (
        "device identity, signed bundles, store recovery",
        &["identity", "bundle", "recovery"],
    ),
    ("posture", &["posture"]),
    (
        "advisories and managed configuration",
        &["advisory", "config"],
    ),
    ("training", &["training"]),
    (
        "self-assessment and incident reports",
        &["assessment", "incident"],
    ),
    ("outbox", &["outbox"]),
    ("sync", &["sync"]),
    ("the Companion", &["companion"]),
];

/// One use of a module by another, found in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Use {
    /// The file, relative to `core/src`.
    file: String,
    /// 1-based line.
    line: usize,
    /// The top-level module the file belongs to.
    from: String,
    /// The top-level module (or re-exported item) it names.
    to: String,
}

/// A source file: its path relative to `core/src` and its text.
struct Source {
    rel: PathBuf,
    text: String,
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&module))
}

/// The module path of a file: `lib.rs` → [], `a.rs` / `a/mod.rs` → [a], `a/b.rs` → [a, b].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The text with comments, string and character literals blanked out (line breaks kept, so
/// line numbers still hold).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if (c == 'r' || c == 'b')
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
            && raw_string_start(&chars[i..]).is_some()
        {
            let (prefix, hashes) = raw_string_start(&chars[i..]).unwrap_or((0, 0));
            for _ in 0..prefix {
                out.push(' ');
            }
            i += prefix;
            loop {
                if i >= chars.len() {
                    break;
                }
                if chars[i] == '"' && chars[i + 1..].iter().take(hashes).all(|h| *h == '#') {
                    let end = 1 + hashes;
                    for _ in 0..end {
                        out.push(' ');
                    }
                    i += end;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && (chars.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal ('x', '\n', '\u{1F600}'); a lifetime has no closing quote.
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// At `r"`, `r#"`, `br"`, `br#"`…: the length of the opening and the number of `#`.
fn raw_string_start(chars: &[char]) -> Option<(usize, usize)> {
    let mut i = 0;
    if chars.first() == Some(&'b') {
        i += 1;
    }
    if chars.get(i) != Some(&'r') {
        return None;
    }
    i += 1;
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    (chars.get(i) == Some(&'"')).then_some((i + 1, hashes))
}

/// The code with every `#[cfg(test)]` item blanked out, and the names of the test-only child
/// modules it declares (`#[cfg(test)] mod tests;`).
fn without_test_code(code: &str) -> (String, Vec<String>) {
    let mut chars: Vec<char> = code.chars().collect();
    let mut test_children = Vec::new();
    let marker: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + marker.len() <= chars.len() {
        if chars[i..i + marker.len()] != marker[..] {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + marker.len();
        // The item ends at its first `;` outside braces, or at the brace closing its body.
        let mut depth = 0usize;
        let mut header = String::new();
        while j < chars.len() {
            match chars[j] {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                ';' if depth == 0 => break,
                c if depth == 0 => header.push(c),
                _ => {}
            }
            j += 1;
        }
        let words: Vec<&str> = header.split_whitespace().collect();
        if chars.get(j) == Some(&';') {
            if let Some(pos) = words.iter().position(|w| *w == "mod") {
                if let Some(name) = words.get(pos + 1) {
                    test_children.push((*name).to_owned());
                }
            }
        }
        let end = (j + 1).min(chars.len());
        for c in &mut chars[start..end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = end;
    }
    (chars.into_iter().collect(), test_children)
}

fn ident_at(chars: &[char], mut i: usize) -> (String, usize) {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    let start = i;
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
        i += 1;
    }
    (chars[start..i].iter().collect(), i)
}

/// The top-level names a path starting at `i` (just after `crate::`) names: one, or several
/// for a group `{a, b::c, d}`.
fn names_after(chars: &[char], i: usize) -> Vec<String> {
    let mut k = i;
    while k < chars.len() && chars[k].is_whitespace() {
        k += 1;
    }
    if chars.get(k) != Some(&'{') {
        let (name, _) = ident_at(chars, k);
        return vec![name];
    }
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut expect_name = true;
    k += 1;
    while k < chars.len() {
        match chars[k] {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => expect_name = true,
            c if expect_name && (c.is_alphanumeric() || c == '_') => {
                let (name, end) = ident_at(chars, k);
                names.push(name);
                expect_name = false;
                k = end;
                continue;
            }
            _ => {}
        }
        k += 1;
    }
    names
}

/// Every use of a top-level module (by name, or an item re-exported at the root) in one file
/// whose module path is `module`. Uses within the file's own top-level module are left out.
fn uses_in(rel: &str, module: &[String], code: &str) -> Vec<Use> {
    let Some(from) = module.first() else {
        return Vec::new();
    };
    let chars: Vec<char> = code.chars().collect();
    let line_of = |pos: usize| chars[..pos].iter().filter(|c| **c == '\n').count() + 1;
    let word_start = |pos: usize| {
        pos == 0
            || !chars[pos - 1].is_alphanumeric() && chars[pos - 1] != '_' && chars[pos - 1] != ':'
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..(i + 7).min(chars.len())].iter().collect();
        if rest == "crate::" && word_start(i) {
            for name in names_after(&chars, i + 7) {
                found.push((i, name));
            }
            i += 7;
            continue;
        }
        if rest.starts_with("super::") && word_start(i) {
            // Climb: each `super::` leaves one module.
            let mut depth = module.len();
            let mut k = i;
            while chars[k..].iter().take(7).collect::<String>() == "super::" {
                depth = depth.saturating_sub(1);
                k += 7;
                while k < chars.len() && chars[k].is_whitespace() {
                    k += 1;
                }
            }
            if depth == 0 {
                for name in names_after(&chars, k) {
                    found.push((i, name));
                }
            }
            i = k;
            continue;
        }
        i += 1;
    }
    found
        .into_iter()
        .filter(|(_, name)| name != from && !name.is_empty() && name != "self")
        .map(|(pos, to)| Use {
            file: rel.to_owned(),
            line: line_of(pos),
            from: from.clone(),
            to,
        })
        .collect()
}

/// `lib.rs`'s re-exports (`pub use clock::{Clock, …};`): item name → its top-level module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let code = code_only(lib);
    for statement in code.split(';') {
        let statement = statement.trim();
        let Some(path) = statement.strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim().trim_start_matches("crate::");
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let item = item.trim();
            let name = item.rsplit(" as ").next().unwrap_or(item).trim();
            let name = name.rsplit("::").next().unwrap_or(name);
            if !name.is_empty() {
                map.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    map
}

/// The top-level modules `lib.rs` declares.
fn root_modules(lib: &str) -> Vec<String> {
    code_only(lib)
        .split(';')
        .filter_map(|s| {
            let words: Vec<&str> = s.split_whitespace().collect();
            let pos = words.iter().position(|w| *w == "mod")?;
            words.get(pos + 1).map(|n| (*n).to_owned())
        })
        .collect()
}

/// Every use across the sources that breaks the layers, as messages.
fn violations(sources: &[Source]) -> Vec<String> {
    let lib = sources
        .iter()
        .find(|s| s.rel == Path::new("lib.rs"))
        .map(|s| s.text.as_str())
        .unwrap_or_default();
    let aliases = root_reexports(lib);
    let mut problems = Vec::new();
    for module in root_modules(lib) {
        if layer_of(&module).is_none() {
            problems.push(format!(
                "module `{module}` has no layer: add it to LAYERS in core/tests/layers.rs"
            ));
        }
    }
    // Test-only modules, by module path.
    let mut test_modules: Vec<Vec<String>> = Vec::new();
    let mut stripped = Vec::new();
    for source in sources {
        let module = module_path(&source.rel);
        let (code, children) = without_test_code(&code_only(&source.text));
        for child in children {
            let mut path = module.clone();
            path.push(child);
            test_modules.push(path);
        }
        stripped.push((source, module, code));
    }
    for (source, module, code) in stripped {
        if test_modules.iter().any(|t| module.starts_with(t)) {
            continue;
        }
        let rel = source.rel.to_string_lossy();
        for u in uses_in(&rel, &module, &code) {
            let target = aliases.get(&u.to).cloned().unwrap_or_else(|| u.to.clone());
            if target == u.from {
                continue;
            }
            let (Some(from_layer), Some(to_layer)) = (layer_of(&u.from), layer_of(&target)) else {
                if layer_of(&u.from).is_some() {
                    problems.push(format!(
                        "{}:{}: `{}` uses `crate::{}`, which is no module in LAYERS",
                        u.file, u.line, u.from, u.to
                    ));
                }
                continue;
            };
            if to_layer >= from_layer {
                let how = if to_layer == from_layer {
                    "the same layer"
                } else {
                    "a higher layer"
                };
                problems.push(format!(
                    "{}:{}: `{}` (layer {}, {}) uses `{}` (layer {}, {}), {how}",
                    u.file,
                    u.line,
                    u.from,
                    from_layer + 1,
                    LAYERS[from_layer].0,
                    target,
                    to_layer + 1,
                    LAYERS[to_layer].0
                ));
            }
        }
    }
    problems
}

fn read_sources(dir: &Path, base: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_sources(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(Source {
                rel: path.strip_prefix(base).unwrap().to_path_buf(),
                text: std::fs::read_to_string(&path).unwrap(),
            });
        }
    }
}

fn core_sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    read_sources(&src, &src, &mut sources);
    sources
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let sources = core_sources();
    assert!(sources.len() > 20, "core/src was not read");
    let problems = violations(&sources);
    assert!(
        problems.is_empty(),
        "the core's layers are broken (see ARCHITECTURE.md, \"Layers\"):\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_layer_names_existing_modules_once() {
    let sources = core_sources();
    let lib = sources
        .iter()
        .find(|s| s.rel == Path::new("lib.rs"))
        .unwrap();
    let declared = root_modules(&lib.text);
    let mut seen = Vec::new();
    for (_, modules) in LAYERS {
        for m in *modules {
            assert!(
                declared.iter().any(|d| d == m),
                "LAYERS names `{m}`, which lib.rs does not declare"
            );
            assert!(!seen.contains(m), "`{m}` is in two layers");
            seen.push(m);
        }
    }
}

/// The real tree with `extra` appended to the file `rel`.
fn tree_with(rel: &str, extra: &str) -> Vec<String> {
    let mut sources = core_sources();
    let file = sources
        .iter_mut()
        .find(|s| s.rel == Path::new(rel))
        .unwrap();
    file.text = format!("{extra}\n{}", file.text);
    violations(&sources)
}

#[test]
fn an_upward_use_is_refused_in_each_spelling() {
    for (rel, extra, needle) in [
        ("bundle.rs", "use crate::posture;", "`bundle` (layer 4"),
        (
            "bundle.rs",
            "use crate::{clock, posture::Policy};",
            "uses `posture`",
        ),
        (
            "bundle.rs",
            "fn f() { let _ = crate::advisory::MAX_TEXT; }",
            "uses `advisory`",
        ),
        ("bundle.rs", "use super::training::Pack;", "uses `training`"),
        (
            "posture/facts.rs",
            "use super::super::outbox::ReportKind;",
            "uses `outbox`",
        ),
        ("outbox/mod.rs", "use crate::Companion;", "uses `companion`"),
        (
            "advisory.rs",
            "use crate::config::StaffRole;",
            "the same layer",
        ),
        (
            "store/mod.rs",
            "use crate::{error::Error, SoftwareKeyStore};",
            "uses `platform`",
        ),
    ] {
        let problems = tree_with(rel, extra);
        assert!(
            problems
                .iter()
                .any(|p| p.contains(needle) && p.starts_with(rel)),
            "`{extra}` in {rel} was not refused: {problems:?}"
        );
    }
}

#[test]
fn comments_strings_tests_and_downward_uses_are_not_refused() {
    for (rel, extra) in [
        ("bundle.rs", "// use crate::posture;"),
        ("bundle.rs", "/// See [`Companion`](crate::Companion)."),
        ("bundle.rs", "const TEXT: &str = \"crate::posture\";"),
        (
            "bundle.rs",
            "const RAW: &str = r#\"crate::sync \"quoted\"\"#;",
        ),
        (
            "bundle.rs",
            "#[cfg(test)]\nmod scratch { use crate::posture::Policy; }",
        ),
        (
            "companion/mod.rs",
            "use crate::{bundle, posture::Policy, sync};",
        ),
        ("posture/facts.rs", "use super::policy::Severity;"),
        ("sync.rs", "use crate::{Clock, Error};"),
    ] {
        let problems = tree_with(rel, extra);
        assert!(
            problems.is_empty(),
            "`{extra}` in {rel} was refused: {problems:?}"
        );
    }
}

#[test]
fn a_module_without_a_layer_is_refused() {
    let problems = tree_with("lib.rs", "pub mod triage;");
    assert!(
        problems.iter().any(|p| p.contains("`triage` has no layer")),
        "{problems:?}"
    );
}
