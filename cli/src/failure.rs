//! How a `frontline` command fails, said once for every command.
//!
//! Every failure has a class with its own exit code ([`FailureClass`]: usage 2, refused input
//! 3, local I/O 4, network 5, internal 1), a stable code for scripts (`bundle_not_newer`,
//! `training_unknown_module`, …), one line in plain words and, where one exists, a hint (the
//! valid module ids, the flag that sets a missing value). On a terminal it reads
//! `frontline: <message>` and `hint: <hint>` on standard error, each line ending in a newline;
//! with `--json` anywhere on the command line (every command takes it for its errors, also
//! those without JSON output) it is one JSON object on standard error:
//! `{"error":{"class":…,"code":…,"message":…,"hint":…}}` (`docs/adr/0081-cli-errors.md`).
//!
//! The core's errors carry no secrets, report contents or staff identifiers; neither do the
//! words here. Rust's debug form never reaches the user.

use frontline_core::bundle::{BundleKind, BundleRefusal};
use frontline_core::config::managed::{ConfigProblem, ConfigProblemKind};
use frontline_core::error::{AssessmentRefusal, DataDirProblem, IncidentRefusal};
use frontline_core::training::TrainingRefusal;
use frontline_core::{Companion, Error};

/// The CLI's error. Each variant is a class of failure; [`CliError::failure`] words it.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// From the core; classified by its variant.
    #[error("{}", failure_of_core(.0).message)]
    Core(#[from] Error),
    /// A local file or directory could not be read or written.
    #[error("{what}: {}", io_words(.source))]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The input (a file, a value) was refused, with a message for the user.
    #[error("{0}")]
    Message(String),
    /// The command line is wrong: a missing or malformed flag.
    #[error("{0}")]
    Usage(String),
    /// The collector could not be reached or answered with something unusable.
    #[error("{0}")]
    Network(String),
    /// The collector (`frontline collector …`) failed: its store, its files, its address, its
    /// keys; classified by [`collector_failure`].
    #[error("{}", collector_failure(.0).message)]
    Collector(#[from] frontline_collector::CollectorError),
    /// Any of the above, with a hint for the user.
    #[error("{error}")]
    Hinted {
        /// The error.
        error: Box<CliError>,
        /// What to do about it.
        hint: String,
    },
}

/// The CLI's result type.
pub type CliResult<T = ()> = Result<T, CliError>;

impl CliError {
    /// The same error with `hint` (replacing any hint it had).
    pub fn with_hint(self, hint: impl Into<String>) -> Self {
        let error = match self {
            Self::Hinted { error, .. } => error,
            other => Box::new(other),
        };
        Self::Hinted {
            error,
            hint: hint.into(),
        }
    }

    /// The error as the user sees it.
    pub fn failure(&self) -> Failure {
        match self {
            Self::Core(e) => failure_of_core(e),
            Self::Io { what, source } => Failure::new(
                FailureClass::Io,
                "io",
                format!("{what}: {}", io_words(source)),
            ),
            Self::Message(m) => Failure::new(FailureClass::Refused, "refused", m.clone()),
            Self::Usage(m) => Failure::new(FailureClass::Usage, "usage", m.clone()),
            Self::Network(m) => Failure::new(FailureClass::Network, "network", m.clone()),
            Self::Collector(e) => collector_failure(e),
            Self::Hinted { error, hint } => {
                let mut f = error.failure();
                f.hint = Some(hint.clone());
                f
            }
        }
    }
}

/// The class of a failure, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// The command line is wrong (exit code 2, as for a parse error).
    Usage,
    /// The input was refused: a bundle, an answer, a configuration, a file's content (3).
    Refused,
    /// Local storage or a local file failed (4).
    Io,
    /// The collector could not be reached or its answer was unusable (5).
    Network,
    /// A failure inside Frontline itself (1).
    Internal,
}

impl FailureClass {
    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Internal => 1,
            Self::Usage => 2,
            Self::Refused => 3,
            Self::Io => 4,
            Self::Network => 5,
        }
    }

    /// The name in `--json` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Usage => "usage",
            Self::Refused => "refused",
            Self::Io => "io",
            Self::Network => "network",
            Self::Internal => "internal",
        }
    }
}

/// A failure as it is shown: class, stable code, one line, and a hint if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The class (and so the exit code).
    pub class: FailureClass,
    /// A stable code for scripts, e.g. `bundle_not_newer`.
    pub code: String,
    /// One line in plain words.
    pub message: String,
    /// What to do about it, if Frontline knows.
    pub hint: Option<String>,
}

impl Failure {
    fn new(class: FailureClass, code: &str, message: String) -> Self {
        Self {
            class,
            code: code.to_owned(),
            message,
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The text for a terminal: `frontline: …` and `hint: …`, each line ending in a newline.
    pub fn to_text(&self) -> String {
        let mut out = format!("frontline: {}\n", one_line(&self.message));
        if let Some(hint) = &self.hint {
            out.push_str(&format!("hint: {}\n", one_line(hint)));
        }
        out
    }

    /// The JSON object for `--json`, with a trailing newline.
    pub fn to_json(&self) -> String {
        let value = serde_json::json!({
            "error": {
                "class": self.class.as_str(),
                "code": self.code,
                "message": one_line(&self.message),
                "hint": self.hint.as_deref().map(one_line),
                "exit_code": self.class.exit_code(),
            }
        });
        format!("{value}\n")
    }
}

/// Multi-line text (an I/O error, a parser's message) folded onto one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An I/O error in plain words, without the OS error number.
fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => String::from("no such file or directory"),
        ErrorKind::PermissionDenied => String::from("permission denied"),
        ErrorKind::AlreadyExists => String::from("it already exists"),
        ErrorKind::IsADirectory => String::from("that is a directory, not a file"),
        ErrorKind::NotADirectory => String::from("a part of the path is not a directory"),
        ErrorKind::StorageFull => String::from("the disk is full"),
        ErrorKind::InvalidData => String::from("the file is not valid UTF-8 text"),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_lowercase(),
                None => text,
            }
        }
    }
}

/// The flag of `frontline device` that sets a configuration setting, for hints.
fn flag_for_setting(setting: &str) -> Option<&'static str> {
    match setting {
        "enrolment_token" => Some("pass --token with the organisation's enrolment token (`frontline device … enrol --collector URL --token TOKEN`)"),
        "collector_url" => Some("pass --collector with the collector's base URL"),
        "org_report_key" => Some("pass --org-key with the organisation's org-report.pub.jwk"),
        "publisher_key" => Some("pass --publisher-key with the organisation's publisher.pub.jwk"),
        _ => None,
    }
}

/// A core error as the user sees it. Every variant is named, so a new one cannot be forgotten.
pub fn failure_of_core(e: &Error) -> Failure {
    use FailureClass::{Internal, Io, Network, Refused, Usage};
    match e {
        Error::DataDir(problem) => {
            let why = match problem {
                DataDirProblem::Missing => "it does not exist",
                DataDirProblem::NotADirectory => "it is not a directory",
                DataDirProblem::NotWritable => "Frontline cannot write there",
            };
            Failure::new(Io, "data_dir", format!("the data directory cannot be used: {why}"))
                .hint("pass --data-dir with a directory you can write to")
        }
        Error::NotADatabase => Failure::new(
            Io,
            "not_a_database",
            String::from("the data directory holds a file that is not a Frontline database, or it is damaged"),
        ),
        Error::NewerDatabase { found, supported } => Failure::new(
            Io,
            "newer_database",
            format!("the data was written by a newer Frontline (schema {found}; this one reads up to {supported}); it was left untouched"),
        )
        .hint("use a newer frontline with this data directory"),
        Error::KeyStore => Failure::new(
            Io,
            "key_store",
            String::from("the device's key store could not be read or written"),
        ),
        Error::KeyMismatch => Failure::new(
            Io,
            "key_mismatch",
            String::from("the key store holds another key than the one this data was sealed with"),
        ),
        Error::Tampered => Failure::new(
            Io,
            "tampered",
            String::from("stored data failed its integrity check"),
        ),
        Error::StorageFull => Failure::new(
            Io,
            "storage_full",
            String::from("the disk is full; nothing was written"),
        ),
        Error::Storage(kind) => Failure::new(
            Io,
            "storage",
            format!("the local database failed ({kind})"),
        ),
        Error::InvalidInput(what) => Failure::new(Refused, "invalid_input", what.clone()),
        Error::Crypto => Failure::new(
            Internal,
            "crypto",
            String::from("a cryptographic operation failed"),
        ),
        Error::BundleRefused(r) => bundle_failure(*r),
        Error::TrainingRefused(r) => training_failure(*r),
        Error::AssessmentRefused(r) => assessment_failure(r.clone()),
        Error::IncidentRefused(r) => incident_failure(*r),
        Error::NotConfigured(setting) => {
            let f = Failure::new(
                Usage,
                "not_configured",
                format!("the setting {setting} is not configured"),
            );
            match flag_for_setting(setting) {
                Some(hint) => f.hint(hint),
                None => f,
            }
        }
        Error::BadResponse(what) => Failure::new(
            Network,
            "bad_response",
            format!("the collector's answer could not be used ({what}); nothing was lost, the reports wait for the next sync"),
        ),
        Error::UnknownRequest => Failure::new(
            Network,
            "unknown_request",
            String::from("the collector's answer matches no request this device is waiting for"),
        ),
        Error::InvalidConfig(problems) => Failure::new(
            Refused,
            "invalid_config",
            format!(
                "the managed configuration was refused and the previous one stays: {}",
                config_problems(problems)
            ),
        ),
    }
}

/// A collector failure as the user sees it: the store, a file or the address is local I/O
/// (4); a key or certificate whose content is unusable is refused input (3).
pub fn collector_failure(e: &frontline_collector::CollectorError) -> Failure {
    use frontline_collector::CollectorError as E;
    use FailureClass::{Io, Refused};
    match e {
        E::Bind(why) => Failure::new(
            Io,
            "collector_bind",
            format!("the collector cannot listen on that address ({why})"),
        )
        .hint("pass --listen with a free address, e.g. 127.0.0.1:8787"),
        E::Key(why) => Failure::new(
            Refused,
            "collector_key",
            format!("the organisation key cannot be used: {why}"),
        ),
        E::Storage(why) => Failure::new(
            Io,
            "collector_store",
            format!("the collector's database failed ({why})"),
        ),
        E::Tls(why) => Failure::new(
            Refused,
            "collector_tls",
            format!("the TLS certificate or key cannot be used: {why}"),
        ),
        E::NoDatabase => Failure::new(
            Io,
            "no_collector_database",
            String::from("there is no collector database at that path"),
        )
        .hint("pass --db with the collector's database file, or --database-url"),
        E::Io(kind) => Failure::new(
            Io,
            "io",
            format!("a collector file could not be read or written ({kind})"),
        ),
    }
}

fn config_problems(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(|p| {
            let what = match p.problem {
                ConfigProblemKind::Empty => "empty",
                ConfigProblemKind::TooLong => "too long",
                ConfigProblemKind::BadCharacters => "has characters it may not have",
                ConfigProblemKind::NotAUrl => "not an absolute URL",
                ConfigProblemKind::InsecureUrl => "http is allowed only for loopback addresses",
                ConfigProblemKind::NotAKey => "not a key of the right kind",
                ConfigProblemKind::NotAChoice => "not one of the allowed values",
                ConfigProblemKind::LooksLikeEmail => "looks like an email address",
                ConfigProblemKind::NotANumber => "not a whole number",
                ConfigProblemKind::OutOfRange => "out of range",
                ConfigProblemKind::NotABool => "not true or false",
            };
            format!("{} is {what}", p.key)
        })
        .collect::<Vec<_>>()
        .join("; ")
        .replace(" is has ", " has ")
        .replace(" is looks ", " looks ")
        .replace(" is http ", ": http ")
}

fn assessment_failure(r: AssessmentRefusal) -> Failure {
    use FailureClass::Refused;
    let (code, message) = match r {
        AssessmentRefusal::UnknownQuestion => (
            "assessment_unknown_question",
            String::from("the assessment has no question with that id"),
        ),
        AssessmentRefusal::UnknownOption => (
            "assessment_unknown_option",
            String::from("that question has no answer with that id"),
        ),
        AssessmentRefusal::MeasuredAnswer => (
            "assessment_measured_answer",
            String::from("this answer was checked by this device and cannot be changed by hand"),
        ),
        AssessmentRefusal::Incomplete { unanswered } => (
            "assessment_incomplete",
            format!("{unanswered} question(s) still need an answer"),
        ),
        AssessmentRefusal::NothingInProgress => (
            "assessment_nothing_in_progress",
            String::from("no self-assessment is in progress; start one first"),
        ),
        AssessmentRefusal::UnknownTeam => (
            "assessment_unknown_team",
            String::from("the assessment does not list that team"),
        ),
    };
    Failure::new(Refused, code, message)
}

fn incident_failure(r: IncidentRefusal) -> Failure {
    use FailureClass::Refused;
    let (code, message) = match r {
        IncidentRefusal::UnknownKind => (
            "incident_unknown_kind",
            String::from("that is not a kind of incident this app knows"),
        ),
        IncidentRefusal::DescriptionTooLong { max_chars } => (
            "incident_description_too_long",
            format!("the description is longer than {max_chars} characters"),
        ),
        IncidentRefusal::DescriptionNotText => (
            "incident_description_not_text",
            String::from("the description holds control characters"),
        ),
        IncidentRefusal::OccurredAtOutOfRange => (
            "incident_time_out_of_range",
            String::from("the time is in the future or more than 90 days ago"),
        ),
        IncidentRefusal::UnknownIncident => (
            "incident_unknown",
            String::from("there is no incident with that id on this device"),
        ),
    };
    Failure::new(Refused, code, message)
}

fn bundle_failure(r: BundleRefusal) -> Failure {
    use FailureClass::Refused;
    let (code, message, hint): (&str, String, Option<String>) = match r {
        BundleRefusal::BadSignature => (
            "bundle_bad_signature",
            String::from("the bundle's signature does not verify under the publisher key"),
            None,
        ),
        BundleRefusal::UnknownKey => (
            "bundle_unknown_key",
            String::from("the bundle is not signed by the publisher key this device trusts, or no publisher key is set"),
            Some(String::from("pass --publisher-key with the organisation's publisher.pub.jwk")),
        ),
        BundleRefusal::NotNewer { installed, offered } if installed == offered => (
            "bundle_not_newer",
            format!("this bundle is version {offered}, which is already installed"),
            None,
        ),
        BundleRefusal::NotNewer { installed, offered } => (
            "bundle_not_newer",
            format!("this bundle is version {offered}; version {installed} is already installed"),
            Some(String::from("sign the bundle with a higher --version")),
        ),
        BundleRefusal::Expired => (
            "bundle_expired",
            String::from("the bundle has expired"),
            Some(String::from("sign it again with a later --expires")),
        ),
        BundleRefusal::WrongKind { expected, found } => (
            "bundle_wrong_kind",
            format!("this is a {} bundle, not a {} bundle", found.as_str(), expected.as_str()),
            Some(format!("pass --kind {} or leave --kind out", found.as_str())),
        ),
        BundleRefusal::Malformed => (
            "bundle_malformed",
            String::from("the file is not a Frontline bundle"),
            None,
        ),
        BundleRefusal::TooLarge => (
            "bundle_too_large",
            String::from("the bundle is larger than the 4 MiB devices accept"),
            None,
        ),
        BundleRefusal::DigestMismatch => (
            "bundle_digest_mismatch",
            String::from("the bundle's content was changed after it was signed"),
            None,
        ),
        BundleRefusal::InvalidPayload => (
            "bundle_invalid_payload",
            String::from("the bundle is signed, but its content is not valid for its kind"),
            None,
        ),
        BundleRefusal::UnknownFact => (
            "bundle_unknown_fact",
            String::from("the assessment bundle has a prefill rule naming a fact this device does not know"),
            None,
        ),
    };
    let f = Failure::new(Refused, code, message);
    match hint {
        Some(h) => f.hint(h),
        None => f,
    }
}

/// The payload of a bundle (or a file about to be signed) is not valid for `kind`.
pub fn invalid_payload(kind: BundleKind) -> CliError {
    CliError::Message(format!("the file is not a valid {} payload", kind.as_str()))
}

/// A refused bundle, as a CLI error.
pub fn bundle_refused(r: BundleRefusal) -> CliError {
    CliError::Core(Error::BundleRefused(r))
}

fn training_failure(r: TrainingRefusal) -> Failure {
    use FailureClass::Refused;
    let (code, message) = match r {
        TrainingRefusal::UnknownModule => (
            "training_unknown_module",
            "there is no training module with that id",
        ),
        TrainingRefusal::NotAssigned => (
            "training_not_assigned",
            "that training module is not assigned to this role",
        ),
        TrainingRefusal::UnknownQuestion => (
            "training_unknown_question",
            "an answer names a question the module's quiz does not have",
        ),
        TrainingRefusal::UnknownOption => (
            "training_unknown_option",
            "an answer names an option the question does not have",
        ),
        TrainingRefusal::PackVersionGone => (
            "training_pack_version_gone",
            "the answers were for a training pack that is no longer installed",
        ),
    };
    let f = Failure::new(Refused, code, String::from(message));
    match r {
        TrainingRefusal::NotAssigned => f.hint("specialist modules need --role specialist"),
        TrainingRefusal::UnknownQuestion | TrainingRefusal::UnknownOption => {
            f.hint("answers look like q1=a;q2=b,c; `frontline device --data-dir DIR train MODULE` shows the questions")
        }
        _ => f,
    }
}

/// Adds what only an open device knows to a failed `device` command: the valid module ids
/// for an unknown module (and the id inside a folder name such as `02-passwords`).
pub fn with_device_hints(e: CliError, companion: &Companion, module: Option<&str>) -> CliError {
    let CliError::Core(Error::TrainingRefused(TrainingRefusal::UnknownModule)) = &e else {
        return e;
    };
    let Ok(modules) = companion.training_modules() else {
        return e;
    };
    let ids: Vec<&str> = modules.iter().map(|m| m.id.as_str()).collect();
    let hint = match module
        .and_then(|m| folder_id(m))
        .filter(|id| ids.contains(id))
    {
        Some(id) => format!(
            "the module id is {id} (a content folder's name carries a number); valid ids: {}",
            ids.join(", ")
        ),
        None => format!("valid module ids: {}", ids.join(", ")),
    };
    e.with_hint(hint)
}

/// `02-passwords` → `passwords`: the id inside a content folder's name.
fn folder_id(name: &str) -> Option<&str> {
    let (number, id) = name.split_once('-')?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Whether the user asked for JSON anywhere on the command line.
pub fn wants_json(args: &[std::ffi::OsString]) -> bool {
    args.iter().skip(1).any(|a| a == "--json")
}

/// A command-line parse error from clap, as a usage failure: its first paragraph on one line,
/// and its tip, or else the command's usage line, as the hint.
pub fn usage_failure(e: &clap::Error) -> Failure {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    let code = match e.kind() {
        ErrorKind::UnknownArgument => "usage_unknown_flag",
        ErrorKind::MissingRequiredArgument => "usage_missing_flag",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "usage_invalid_value",
        ErrorKind::InvalidSubcommand => "usage_unknown_command",
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "usage_missing_command"
        }
        _ => "usage",
    };
    let usage = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage:"))
        .map(|u| format!("usage: {}", u.trim()));
    if code == "usage_missing_command" {
        // clap prints the whole help here; one line and the usage say it.
        let f = Failure::new(
            FailureClass::Usage,
            code,
            String::from("a command is missing"),
        );
        return f.hint(usage.unwrap_or_else(|| String::from("see `frontline --help`")));
    }
    let paragraph: Vec<&str> = text
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    let message = paragraph
        .join(" ")
        .trim_start_matches("error:")
        .trim()
        .to_owned();
    let tip = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("tip:"))
        .map(|t| t.trim().to_owned());
    let message = if message.is_empty() {
        String::from("the command line is not valid")
    } else {
        message
    };
    Failure::new(FailureClass::Usage, code, message).hint(
        tip.or(usage)
            .unwrap_or_else(|| String::from("see `frontline --help`")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_its_own_exit_code() {
        let classes = [
            FailureClass::Usage,
            FailureClass::Refused,
            FailureClass::Io,
            FailureClass::Network,
            FailureClass::Internal,
        ];
        let mut codes: Vec<u8> = classes.iter().map(|c| c.exit_code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), classes.len());
        assert!(!codes.contains(&0));
    }

    #[test]
    fn not_newer_reads_as_a_person_would_say_it() {
        let f = failure_of_core(&Error::BundleRefused(BundleRefusal::NotNewer {
            installed: 5,
            offered: 4,
        }));
        assert_eq!(f.code, "bundle_not_newer");
        assert_eq!(
            f.to_text().lines().next(),
            Some("frontline: this bundle is version 4; version 5 is already installed")
        );
        assert!(f.to_text().ends_with('\n'));
        assert!(!f.to_text().contains("NotNewer"));
    }

    #[test]
    fn folder_names_give_their_id() {
        assert_eq!(folder_id("02-passwords"), Some("passwords"));
        assert_eq!(folder_id("phishing"), None);
        assert_eq!(folder_id("x-y"), None);
    }

    #[test]
    fn json_is_one_object_on_one_line() {
        let f = CliError::Usage(String::from("a\nb"))
            .with_hint("c")
            .failure();
        let text = f.to_json();
        assert_eq!(text.matches('\n').count(), 1);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["class"], "usage");
        assert_eq!(v["error"]["message"], "a b");
        assert_eq!(v["error"]["hint"], "c");
        assert_eq!(v["error"]["exit_code"], 2);
    }
}
