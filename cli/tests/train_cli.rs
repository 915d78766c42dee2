//! `frontline device train` driven as a learner drives it: the real binary, answers piped to
//! its standard input, at a phone's width.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const MODULE: &str = "phishing";

/// The module's questions from the embedded pack: (id, option ids, correct ids).
fn questions() -> Vec<(String, Vec<String>, Vec<String>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/assets/default-pack.json");
    let pack: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let module = pack["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == MODULE)
        .unwrap();
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect()
    };
    module["quiz"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            let options: Vec<String> = q["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .collect();
            (
                q["id"].as_str().unwrap().to_owned(),
                options,
                ids(&q["correct"]),
            )
        })
        .collect()
}

fn frontline(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .arg("device")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("COLUMNS", "60")
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// `["a", "c"]` typed as a phone user might: capitals, spaces, a comma.
fn typed(ids: &[String]) -> String {
    format!(" {} ", ids.join(" , ").to_uppercase())
}

#[test]
fn uppercase_and_spaced_answers_pass_and_an_unknown_letter_is_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let qs = questions();
    let mut input = String::from("\n"); // the pause before the quiz
    for (_, _, correct) in &qs {
        input.push_str("z\n"); // not an option: asked again, not marked wrong
        input.push_str(&typed(correct));
        input.push('\n');
    }
    let out = frontline(dir.path(), &["train", MODULE], &input);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert_eq!(
        stdout
            .matches("Sorry, \"z\" is not one of the options")
            .count(),
        qs.len(),
        "{stdout}"
    );
    // Each answer is echoed (piped input) and followed by its feedback on the next line.
    assert_eq!(
        stdout.matches("\nRight. You chose").count(),
        qs.len(),
        "{stdout}"
    );
    assert!(
        stdout.contains("Press Enter to start the quiz."),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Score 100% ({0} of {0})", qs.len())),
        "{stdout}"
    );
    assert!(stdout.contains("PASSED"), "{stdout}");
    // Rendered, not raw Markdown, and wrapped to the 60 columns asked for.
    assert!(
        !stdout.contains("## ") && !stdout.contains("**"),
        "{stdout}"
    );
    for line in stdout.lines() {
        assert!(line.chars().count() <= 60, "{line:?}");
    }
}

#[test]
fn wrong_answers_get_the_right_one_at_once_and_a_retry_starts_at_the_quiz() {
    let dir = tempfile::tempdir().unwrap();
    let qs = questions();
    let mut input = String::from("\n");
    for (_, options, correct) in &qs {
        let wrong = options.iter().find(|o| !correct.contains(o)).unwrap();
        input.push_str(&format!("{wrong}\n"));
    }
    input.push('\n'); // try again
    for (_, _, correct) in &qs {
        input.push_str(&correct.join(","));
        input.push('\n');
    }
    let out = frontline(dir.path(), &["train", MODULE], &input);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    // Feedback after each question, before the next is asked.
    let first_wrong = stdout.find("Not right.").unwrap();
    let second_question = stdout.find("Question 2 of").unwrap();
    assert!(first_wrong < second_question, "{stdout}");
    assert!(
        stdout[first_wrong..second_question].contains("The right answer"),
        "{stdout}"
    );
    assert!(
        stdout[first_wrong..second_question].contains("Why: "),
        "{stdout}"
    );
    assert!(stdout.contains("not passed"), "{stdout}");
    // The retry asks the questions again without the lesson.
    assert_eq!(stdout.matches("Question 1 of").count(), 2, "{stdout}");
    assert_eq!(stdout.matches("Key points").count(), 1, "{stdout}");
    assert!(stdout.contains("PASSED"), "{stdout}");
}

#[test]
fn scripted_answers_accept_capitals_and_refuse_a_letter_that_is_no_option() {
    let dir = tempfile::tempdir().unwrap();
    let qs = questions();
    let refused = frontline(
        dir.path(),
        &["train", MODULE, "--answers", "q1=b; q1=Z"],
        "",
    );
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    let options = &qs[0].1;
    let valid = format!(
        "{} or {}",
        options[..options.len() - 1].join(", "),
        options[options.len() - 1]
    );
    assert!(
        stderr.contains("q1: \"z\" is not one of the options") && stderr.contains(&valid),
        "{stderr}"
    );
    // Nothing was recorded for the refused run.
    let statements = frontline(dir.path(), &["statements"], "");
    assert_eq!(text(&statements.stdout).trim(), "[]");

    let answers: Vec<String> = qs
        .iter()
        .map(|(id, _, correct)| format!("{}={}", id.to_uppercase(), typed(correct)))
        .collect();
    let out = frontline(
        dir.path(),
        &["train", MODULE, "--answers", &answers.join(";")],
        "",
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("PASSED"), "{stdout}");
}
