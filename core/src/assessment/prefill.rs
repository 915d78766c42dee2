//! Prefill rules: questions the device answers by itself from what it already knows.
//!
//! A rule names one source (a device fact, a posture check result, a training module's status,
//! or whether every advisory that concerns the device was acknowledged) and the option to pick
//! when the source says yes or no. When the source cannot tell (no facts yet, an unknown
//! status) the question is left to the member of staff: unknown is never read as yes. A
//! measured answer carries its evidence in words ("checked by this device: ...").
//!
//! Fact names are checked against [`DeviceFacts`] itself (its serialised field names), and a
//! rule's value must be one the fact can take, so a typo in a bundle is refused at install.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::definition::{valid_id, Question};
use crate::posture::{CheckResult, CheckStatus, DeviceFacts};
use crate::training::TrainingStatus;

/// How the device answers a question by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum PrefillRule {
    /// A device fact equals a value (`equals`) or is one of several (`one_of`).
    Fact {
        /// The fact's field name in `DeviceFacts` (e.g. `secure_lock_screen`).
        fact: String,
        /// The value that means yes.
        #[serde(default)]
        equals: Option<Value>,
        /// The values that mean yes.
        #[serde(default)]
        one_of: Option<Vec<Value>>,
        /// The option picked when the fact says yes.
        yes: String,
        /// The option picked when the fact says no.
        no: String,
    },
    /// The latest posture check's result for a policy check: pass means yes; fail or warn
    /// means no; unknown or not applicable leaves the question open.
    PostureCheck {
        /// The policy's check id (e.g. `root_jailbreak`).
        check: String,
        /// The option picked on pass.
        yes: String,
        /// The option picked on fail or warn.
        no: String,
    },
    /// A training module is current (completed and not overdue).
    Training {
        /// The module id.
        module: String,
        /// The option picked when current.
        yes: String,
        /// The option picked otherwise.
        no: String,
    },
    /// Every advisory that concerns this device has been acknowledged.
    AdvisoriesAcknowledged {
        /// The option picked when all are acknowledged.
        yes: String,
        /// The option picked when some are not.
        no: String,
    },
}

/// Why a rule is unusable (mapped to `AssessmentProblem` with the question's index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleProblem {
    UnknownFact,
    Unusable,
}

/// The names of the facts a rule may read: the fields of [`DeviceFacts`].
pub fn known_facts() -> Vec<String> {
    match serde_json::to_value(DeviceFacts::default()) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Whether `value` is one the fact `fact` can take (checked by parsing it as `DeviceFacts`).
fn fact_value_ok(fact: &str, value: &Value) -> bool {
    if value.is_null() {
        return false;
    }
    let mut map = serde_json::Map::new();
    map.insert(fact.to_owned(), value.clone());
    serde_json::from_value::<DeviceFacts>(Value::Object(map)).is_ok()
}

impl PrefillRule {
    fn options(&self) -> (&str, &str) {
        match self {
            Self::Fact { yes, no, .. }
            | Self::PostureCheck { yes, no, .. }
            | Self::Training { yes, no, .. }
            | Self::AdvisoriesAcknowledged { yes, no } => (yes, no),
        }
    }

    /// Checks the rule against its question and this build's facts.
    pub(crate) fn check(&self, question: &Question) -> Result<(), RuleProblem> {
        let (yes, no) = self.options();
        if question.option(yes).is_none() || question.option(no).is_none() {
            return Err(RuleProblem::Unusable);
        }
        match self {
            Self::Fact {
                fact,
                equals,
                one_of,
                ..
            } => {
                if !known_facts().iter().any(|f| f == fact) {
                    return Err(RuleProblem::UnknownFact);
                }
                let values: Vec<&Value> = match (equals, one_of) {
                    (Some(v), None) => vec![v],
                    (None, Some(vs)) if !vs.is_empty() => vs.iter().collect(),
                    _ => return Err(RuleProblem::Unusable),
                };
                if values.iter().all(|v| fact_value_ok(fact, v)) {
                    Ok(())
                } else {
                    Err(RuleProblem::Unusable)
                }
            }
            Self::PostureCheck { check, .. } if valid_id(check) => Ok(()),
            Self::Training { module, .. } if valid_id(module) => Ok(()),
            Self::AdvisoriesAcknowledged { .. } => Ok(()),
            _ => Err(RuleProblem::Unusable),
        }
    }
}

/// What the device knows that can answer questions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceKnowledge {
    /// The latest facts the platform submitted.
    pub facts: Option<DeviceFacts>,
    /// The latest posture report's check results.
    pub checks: Vec<CheckResult>,
    /// Each assigned training module's status.
    pub training: BTreeMap<String, TrainingStatus>,
    /// How many advisories concerning the device are not acknowledged; `None` without facts.
    pub unacknowledged_advisories: Option<u32>,
}

/// An answer the device measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measured {
    /// The option the device picked.
    pub option_id: String,
    /// What it found, in words.
    pub evidence: String,
}

fn words(value: &Value) -> String {
    match value {
        Value::Bool(true) => String::from("on"),
        Value::Bool(false) => String::from("off"),
        Value::String(s) => s.replace('_', " "),
        Value::Array(items) if items.is_empty() => String::from("none found"),
        Value::Array(items) => items.iter().map(words).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Applies `rule` to what the device knows; `None` when the device cannot tell.
pub fn measure(rule: &PrefillRule, knowledge: &DeviceKnowledge) -> Option<Measured> {
    let (yes, no) = rule.options();
    let (answer, evidence) = match rule {
        PrefillRule::Fact {
            fact,
            equals,
            one_of,
            ..
        } => {
            let facts = serde_json::to_value(knowledge.facts.as_ref()?).ok()?;
            let value = facts.get(fact).filter(|v| !v.is_null())?;
            let hit = match (equals, one_of) {
                (Some(v), _) => v == value,
                (None, Some(vs)) => vs.contains(value),
                (None, None) => return None,
            };
            (hit, format!("{}: {}", fact.replace('_', " "), words(value)))
        }
        PrefillRule::PostureCheck { check, .. } => {
            let result = knowledge.checks.iter().find(|c| &c.check_id == check)?;
            let hit = match result.status {
                CheckStatus::Pass => true,
                CheckStatus::Fail | CheckStatus::Warn => false,
                CheckStatus::Unknown | CheckStatus::NotApplicable => return None,
            };
            (hit, format!("{}: {}", result.title, result.observed))
        }
        PrefillRule::Training { module, .. } => {
            let status = knowledge.training.get(module)?;
            (
                status.is_current(),
                format!(
                    "training \"{module}\": {}",
                    status.as_str().replace('_', " ")
                ),
            )
        }
        PrefillRule::AdvisoriesAcknowledged { .. } => {
            let open = knowledge.unacknowledged_advisories?;
            (
                open == 0,
                match open {
                    0 => String::from("every advisory for this device acknowledged"),
                    1 => String::from("1 advisory for this device not yet acknowledged"),
                    n => format!("{n} advisories for this device not yet acknowledged"),
                },
            )
        }
    };
    Some(Measured {
        option_id: if answer { yes } else { no }.to_owned(),
        evidence: format!("checked by this device: {evidence}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact_rule(fact: &str, equals: Value) -> PrefillRule {
        PrefillRule::Fact {
            fact: fact.to_owned(),
            equals: Some(equals),
            one_of: None,
            yes: String::from("yes"),
            no: String::from("no"),
        }
    }

    #[test]
    fn known_facts_are_the_device_facts_fields() {
        let facts = known_facts();
        for f in [
            "secure_lock_screen",
            "root_signals",
            "usb_debugging",
            "lock_complexity",
        ] {
            assert!(facts.iter().any(|k| k == f), "{f}");
        }
        assert!(!facts.iter().any(|k| k == "screen_timeout_seconds"));
    }

    #[test]
    fn fact_values_are_checked_against_the_fact_type() {
        assert!(fact_value_ok("secure_lock_screen", &Value::Bool(true)));
        assert!(!fact_value_ok("secure_lock_screen", &Value::from("yes")));
        assert!(fact_value_ok("lock_complexity", &Value::from("high")));
        assert!(!fact_value_ok("lock_complexity", &Value::from("banana")));
        assert!(fact_value_ok("root_signals", &serde_json::json!([])));
        assert!(!fact_value_ok("root_signals", &Value::Null));
    }

    #[test]
    fn facts_answer_when_known_and_stay_open_when_not() {
        let rule = fact_rule("usb_debugging", Value::Bool(false));
        let mut k = DeviceKnowledge::default();
        assert_eq!(measure(&rule, &k), None);
        k.facts = Some(DeviceFacts::default());
        assert_eq!(measure(&rule, &k), None, "unknown is never yes");
        k.facts = Some(DeviceFacts {
            usb_debugging: Some(true),
            ..DeviceFacts::default()
        });
        let m = measure(&rule, &k).unwrap();
        assert_eq!(m.option_id, "no");
        assert_eq!(m.evidence, "checked by this device: usb debugging: on");
        let none = fact_rule("root_signals", serde_json::json!([]));
        k.facts = Some(DeviceFacts {
            root_signals: Some(vec![]),
            ..DeviceFacts::default()
        });
        assert_eq!(measure(&none, &k).unwrap().option_id, "yes");
    }

    #[test]
    fn training_and_advisories_answer() {
        let mut k = DeviceKnowledge::default();
        k.training
            .insert(String::from("phishing"), TrainingStatus::Completed);
        k.training
            .insert(String::from("passwords"), TrainingStatus::Overdue);
        let t = |m: &str| PrefillRule::Training {
            module: m.to_owned(),
            yes: String::from("yes"),
            no: String::from("no"),
        };
        assert_eq!(measure(&t("phishing"), &k).unwrap().option_id, "yes");
        assert_eq!(measure(&t("passwords"), &k).unwrap().option_id, "no");
        assert_eq!(measure(&t("unknown-module"), &k), None);
        let a = PrefillRule::AdvisoriesAcknowledged {
            yes: String::from("yes"),
            no: String::from("no"),
        };
        assert_eq!(measure(&a, &k), None);
        k.unacknowledged_advisories = Some(2);
        let m = measure(&a, &k).unwrap();
        assert_eq!(m.option_id, "no");
        assert!(m.evidence.contains("2 advisories"));
    }
}
