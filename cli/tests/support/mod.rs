//! Running the real `frontline` binary as a user would, and a collector it can talk to.

#![allow(dead_code)] // each test file uses its own part

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// What one run of `frontline` printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with everything printed unless the command succeeded.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "command failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs `frontline ARGS` in `dir`.
pub fn frontline(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    finish(out)
}

/// `frontline collector serve` on a free loopback port, stopped when dropped.
pub struct CollectorProcess {
    child: Child,
    pub url: String,
    pub token: String,
    pub db: PathBuf,
}

impl CollectorProcess {
    /// Starts it in `dir` with the report key in `dir/keys/org-report.jwk`.
    pub fn start(dir: &Path) -> Self {
        let token = String::from("enrol-token-0123456789");
        let db = dir.join("collector.db");
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontline"))
            .args([
                "collector",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                "collector.db",
                "--org-key",
                "keys/org-report.jwk",
                "--enrolment-token",
                &token,
            ])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut url = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("collector listening on ") {
                url = rest.split_whitespace().next().map(str::to_owned);
                break;
            }
        }
        let url = url.expect("the collector printed its address");
        // Keep reading, so the collector never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            url,
            token,
            db,
        }
    }

    /// `frontline collector report --json`, parsed.
    pub fn report(&self, dir: &Path) -> serde_json::Value {
        let run = frontline(
            dir,
            &["collector", "report", "--db", "collector.db", "--json"],
        )
        .ok();
        serde_json::from_str(&run.stdout).unwrap()
    }
}

impl Drop for CollectorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary directory with the organisation's keys in `keys/`.
pub fn with_keys() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    frontline(dir.path(), &["keys", "generate", "--out", "keys"]).ok();
    dir
}

/// The line of `device sync` that says how many reports wait, e.g. `outbox: 0 waiting (…)`.
pub fn outbox_line(stdout: &str) -> String {
    stdout
        .lines()
        .find(|l| l.starts_with("outbox: "))
        .unwrap_or_else(|| panic!("no outbox line in:\n{stdout}"))
        .to_owned()
}
