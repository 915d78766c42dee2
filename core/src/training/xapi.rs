//! xAPI 1.0.3 statements for training events.
//!
//! The organisation's learning record store (through the collector) receives one statement
//! per event: `experienced` (lesson viewed), `attempted` (quiz submitted), `passed` or
//! `failed` (its outcome) and `completed` (module completed on a pass). The actor is a
//! pseudonymous `account` (`homePage` = the organisation's URL, `name` = the staff
//! pseudonym), never an email. Ids are UUID v4, timestamps the event time by the injected
//! clock. Statement layout: `docs/xapi.md`; an independent validator checks real statements
//! in `tests/python/test_xapi.py`.

use serde_json::{json, Value};

use super::pack::{Module, Pack};
use crate::clock::{rfc3339, UnixMillis};

/// The xAPI version the statements follow.
pub const XAPI_VERSION: &str = "1.0.3";

/// The platform named in every statement's context.
pub const PLATFORM: &str = "Frontline";

/// The training events that become statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// The lesson was viewed.
    Experienced,
    /// A quiz attempt was submitted.
    Attempted,
    /// The attempt reached the pass mark.
    Passed,
    /// The attempt did not reach the pass mark.
    Failed,
    /// The module was completed (on a pass).
    Completed,
}

impl Verb {
    /// The verb's word (also the last segment of its ADL IRI).
    pub fn word(self) -> &'static str {
        match self {
            Self::Experienced => "experienced",
            Self::Attempted => "attempted",
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Completed => "completed",
        }
    }

    /// The ADL verb IRI.
    pub fn iri(self) -> String {
        format!("http://adlnet.gov/expapi/verbs/{}", self.word())
    }
}

/// What a statement is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// The module's lesson.
    Lesson,
    /// The module's quiz.
    Quiz,
    /// The module as a whole.
    Module,
}

/// Who did it and within which pack, module and attempt cycle.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The organisation's home page (account `homePage`, base of activity ids).
    pub organisation_url: &'a str,
    /// The staff pseudonym (account `name`).
    pub pseudonym: &'a str,
    /// The pack in force.
    pub pack: &'a Pack,
    /// The module.
    pub module: &'a Module,
    /// The attempt cycle's registration UUID.
    pub registration: &'a str,
}

/// A score to report (`right` of `total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Questions right.
    pub right: u32,
    /// Questions in total.
    pub total: u32,
    /// Whether the pass mark was reached.
    pub passed: bool,
    /// Time spent, in milliseconds.
    pub duration_ms: i64,
}

fn base(organisation_url: &str) -> String {
    format!("{}/xapi/activities", organisation_url.trim_end_matches('/'))
}

/// The activity IRI of the module (`<org>/xapi/activities/<pack>/<module>`), its lesson
/// (`…/lesson`) or its quiz (`…/quiz`).
pub fn activity_id(
    organisation_url: &str,
    pack_id: &str,
    module_id: &str,
    what: Activity,
) -> String {
    let module = format!("{}/{pack_id}/{module_id}", base(organisation_url));
    match what {
        Activity::Module => module,
        Activity::Lesson => format!("{module}/lesson"),
        Activity::Quiz => format!("{module}/quiz"),
    }
}

fn activity(s: &Subject<'_>, what: Activity) -> Value {
    let lang = s.pack.language.as_str();
    let (kind, name, description) = match what {
        Activity::Lesson => (
            "lesson",
            format!("{}: lesson", s.module.title),
            s.module.summary.clone(),
        ),
        Activity::Quiz => (
            "assessment",
            format!("{}: quiz", s.module.title),
            format!("The quiz of the module \"{}\".", s.module.title),
        ),
        Activity::Module => ("module", s.module.title.clone(), s.module.summary.clone()),
    };
    json!({
        "objectType": "Activity",
        "id": activity_id(s.organisation_url, &s.pack.id, &s.module.id, what),
        "definition": {
            "name": { lang: name },
            "description": { lang: description },
            "type": format!("http://adlnet.gov/expapi/activities/{kind}"),
        }
    })
}

/// ISO 8601 duration with at most two decimals of seconds, e.g. `PT4M30S`, `PT1H0M2.5S`.
/// Negative durations (a clock moved back) are reported as zero.
pub fn iso_duration(ms: i64) -> String {
    let cs = ms.max(0) / 10;
    let hours = cs / 360_000;
    let minutes = (cs / 6_000) % 60;
    let centis = cs % 6_000;
    let seconds = if centis % 100 == 0 {
        format!("{}", centis / 100)
    } else if centis % 10 == 0 {
        format!("{}.{}", centis / 100, (centis % 100) / 10)
    } else {
        format!("{}.{:02}", centis / 100, centis % 100)
    };
    let mut out = String::from("PT");
    if hours > 0 {
        out.push_str(&format!("{hours}H"));
    }
    if hours > 0 || minutes > 0 {
        out.push_str(&format!("{minutes}M"));
    }
    out.push_str(&seconds);
    out.push('S');
    out
}

/// Builds one statement with a fresh UUID v4 id at event time `at_ms`.
pub fn statement(
    s: &Subject<'_>,
    verb: Verb,
    what: Activity,
    outcome: Option<Outcome>,
    at_ms: UnixMillis,
) -> Value {
    let mut context = json!({
        "registration": s.registration,
        "platform": PLATFORM,
        "language": s.pack.language,
    });
    let pack_activity = json!({
        "objectType": "Activity",
        "id": format!("{}/{}", base(s.organisation_url), s.pack.id),
    });
    context["contextActivities"] = match what {
        Activity::Module => json!({ "grouping": [pack_activity] }),
        Activity::Lesson | Activity::Quiz => json!({
            "parent": [{
                "objectType": "Activity",
                "id": activity_id(s.organisation_url, &s.pack.id, &s.module.id, Activity::Module),
            }],
            "grouping": [pack_activity],
        }),
    };
    let mut st = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "actor": {
            "objectType": "Agent",
            "account": {
                "homePage": s.organisation_url,
                "name": s.pseudonym,
            }
        },
        "verb": {
            "id": verb.iri(),
            "display": { "en-GB": verb.word() },
        },
        "object": activity(s, what),
        "context": context,
        "timestamp": rfc3339(at_ms),
        "version": XAPI_VERSION,
    });
    if let Some(o) = outcome {
        let total = o.total.max(1);
        let scaled = f64::from(o.right) / f64::from(total);
        st["result"] = json!({
            "score": {
                "scaled": scaled,
                "raw": o.right,
                "min": 0,
                "max": total,
            },
            "success": o.passed,
            "completion": verb == Verb::Completed || o.passed,
            "duration": iso_duration(o.duration_ms),
        });
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::pack::tests::sample_pack;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso_duration(270_000), "PT4M30S");
        assert_eq!(iso_duration(0), "PT0S");
        assert_eq!(iso_duration(-5), "PT0S");
        assert_eq!(iso_duration(2_500), "PT2.5S");
        assert_eq!(iso_duration(2_340), "PT2.34S");
        assert_eq!(iso_duration(3_600_000 + 2_000), "PT1H0M2S");
    }

    #[test]
    fn statement_has_the_required_shape() {
        let pack = sample_pack(1);
        let s = Subject {
            organisation_url: "https://trust.example/",
            pseudonym: "staff-1",
            pack: &pack,
            module: &pack.modules[0],
            registration: "6f1c1b7e-8d0a-4f7e-9a55-0c2c9f0a1b2c",
        };
        let outcome = Outcome {
            right: 4,
            total: 5,
            passed: true,
            duration_ms: 270_000,
        };
        let st = statement(
            &s,
            Verb::Passed,
            Activity::Quiz,
            Some(outcome),
            1_795_885_384_000,
        );
        assert_eq!(st["version"], "1.0.3");
        assert_eq!(st["actor"]["account"]["name"], "staff-1");
        assert!(st["actor"].get("mbox").is_none());
        assert_eq!(st["verb"]["id"], "http://adlnet.gov/expapi/verbs/passed");
        assert_eq!(
            st["object"]["id"],
            "https://trust.example/xapi/activities/test-pack/basics/quiz"
        );
        assert_eq!(
            st["object"]["definition"]["type"],
            "http://adlnet.gov/expapi/activities/assessment"
        );
        assert_eq!(st["result"]["score"]["scaled"], 0.8);
        assert_eq!(st["result"]["duration"], "PT4M30S");
        assert_eq!(st["timestamp"], "2026-11-28T17:03:04.000Z");
        assert!(uuid::Uuid::parse_str(st["id"].as_str().unwrap()).is_ok());
    }
}
