//! The self-assessment on the `Companion`: start or resume, answer, submit (sealed in the
//! store, queued once as an `assessment` report) and compare with the organisation's
//! benchmark. The domain rules are in `crate::assessment`.

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::assessment::benchmark::{self, Benchmark};
use crate::assessment::definition::AssessmentDefinition;
use crate::assessment::prefill::{self, DeviceKnowledge, Measured};
use crate::assessment::score::{self, Answer};
use crate::assessment::{
    AssessmentChoice, AssessmentQuestion, AssessmentRefusal, AssessmentResult, AssessmentSession,
    AssessmentStanding,
};
use crate::bundle::BundleKind;
use crate::clock::rfc3339;
use crate::error::{Error, Result};
use crate::outbox::{ReportDraft, ReportKind, Retention};
use crate::Companion;

const TABLE: &str = "assessment";
const COLUMN: &str = "state_sealed";

/// An assessment as stored, sealed (`assessment.state_sealed`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    definition_id: String,
    definition_version: String,
    started_at: i64,
    team: Option<String>,
    /// The member of staff's own answers (question id → option id).
    answers: BTreeMap<String, String>,
    /// Set on submit: the device's measurements then, and the result sent.
    #[serde(default)]
    measured: BTreeMap<String, Measured>,
    #[serde(default)]
    result: Option<AssessmentResult>,
}

fn refuse(r: AssessmentRefusal) -> Error {
    Error::AssessmentRefused(r)
}

impl Companion {
    /// The assessment in force: the installed `assessment` bundle, or the built-in default.
    pub fn assessment_definition(&self) -> Result<AssessmentDefinition> {
        if let Some(payload) = self.installed_payload(BundleKind::Assessment)? {
            match AssessmentDefinition::parse(&payload) {
                Ok(def) => return Ok(def),
                Err(_) => log::warn!(
                    "installed assessment unreadable by this build; using the built-in one"
                ),
            }
        }
        AssessmentDefinition::default_definition()
            .map_err(|_| Error::InvalidInput(String::from("built-in assessment")))
    }

    /// What the device knows that answers questions by itself.
    fn device_knowledge(&self) -> Result<DeviceKnowledge> {
        let facts = self.latest_device_facts()?;
        let checks = self
            .latest_posture_report()?
            .map(|r| r.checks)
            .unwrap_or_default();
        let training = self
            .training_modules()?
            .into_iter()
            .map(|m| (m.id, m.status))
            .collect();
        let unacknowledged_advisories = match facts {
            Some(_) => Some(
                u32::try_from(
                    self.advisories_for_device()?
                        .iter()
                        .filter(|m| m.acknowledged_at_ms.is_none())
                        .count(),
                )
                .unwrap_or(u32::MAX),
            ),
            None => None,
        };
        Ok(DeviceKnowledge {
            facts,
            checks,
            training,
            unacknowledged_advisories,
        })
    }

    fn load_assessment(&self, id: &str) -> Result<Option<Stored>> {
        let sealed: Option<Vec<u8>> = self
            .store
            .conn()
            .query_row(
                "SELECT state_sealed FROM assessment WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        sealed
            .map(|s| self.sealer.open_json(TABLE, COLUMN, id, &s))
            .transpose()
    }

    /// The id of the assessment in progress, if any.
    fn open_assessment_id(&self) -> Result<Option<String>> {
        Ok(self
            .store
            .conn()
            .query_row(
                "SELECT id FROM assessment WHERE submitted_at IS NULL
                 ORDER BY started_at DESC, rowid DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn save_assessment(
        &self,
        tx: &rusqlite::Transaction<'_>,
        id: &str,
        stored: &Stored,
        submitted_at: Option<i64>,
    ) -> Result<()> {
        let sealed = self.sealer.seal_json(TABLE, COLUMN, id, stored)?;
        tx.execute(
            "INSERT INTO assessment (id, started_at, updated_at, submitted_at, state_sealed)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at,
                submitted_at = excluded.submitted_at, state_sealed = excluded.state_sealed",
            rusqlite::params![id, stored.started_at, self.now_ms(), submitted_at, sealed],
        )?;
        Ok(())
    }

    /// Every answer: measured ones (which win) and the member of staff's own.
    fn merged_answers(
        def: &AssessmentDefinition,
        stored: &Stored,
        measured: &BTreeMap<String, Measured>,
    ) -> BTreeMap<String, Answer> {
        let mut out = BTreeMap::new();
        for q in &def.questions {
            if let Some(m) = measured.get(&q.id) {
                out.insert(
                    q.id.clone(),
                    Answer {
                        option_id: m.option_id.clone(),
                        evidence: Some(m.evidence.clone()),
                    },
                );
            } else if let Some(option) = stored.answers.get(&q.id).filter(|o| q.option(o).is_some())
            {
                out.insert(
                    q.id.clone(),
                    Answer {
                        option_id: option.clone(),
                        evidence: None,
                    },
                );
            }
        }
        out
    }

    fn measurements(
        def: &AssessmentDefinition,
        knowledge: &DeviceKnowledge,
    ) -> BTreeMap<String, Measured> {
        def.questions
            .iter()
            .filter_map(|q| {
                let rule = q.prefill.as_ref()?;
                prefill::measure(rule, knowledge).map(|m| (q.id.clone(), m))
            })
            .collect()
    }

    fn session(
        &self,
        id: &str,
        def: &AssessmentDefinition,
        stored: &Stored,
        measured: &BTreeMap<String, Measured>,
    ) -> AssessmentSession {
        let answers = Self::merged_answers(def, stored, measured);
        let questions = def
            .questions
            .iter()
            .map(|q| AssessmentQuestion {
                id: q.id.clone(),
                area: q.area,
                prompt: q.prompt.clone(),
                options: q
                    .options
                    .iter()
                    .map(|o| AssessmentChoice {
                        id: o.id.clone(),
                        text: o.text.clone(),
                    })
                    .collect(),
                answer: answers.get(&q.id).map(|a| a.option_id.clone()),
                measured: measured.contains_key(&q.id),
                evidence: measured.get(&q.id).map(|m| m.evidence.clone()),
            })
            .collect();
        AssessmentSession {
            assessment_id: id.to_owned(),
            definition_id: def.id.clone(),
            definition_version: def.version.clone(),
            started_at_ms: stored.started_at,
            team: stored.team.clone(),
            teams: def.teams.clone(),
            questions,
            result: score::score(def, id, &answers),
        }
    }

    fn check_team(def: &AssessmentDefinition, team: Option<&str>) -> Result<()> {
        match team {
            Some(t) if !def.teams.iter().any(|d| d.id == t) => {
                Err(refuse(AssessmentRefusal::UnknownTeam))
            }
            _ => Ok(()),
        }
    }

    /// Starts an assessment, or resumes the one in progress (answers kept; a `team` given
    /// replaces the one chosen before). Questions the device can answer are answered from
    /// what it knows now.
    pub fn start_assessment(&self, team: Option<String>) -> Result<AssessmentSession> {
        let def = self.assessment_definition()?;
        Self::check_team(&def, team.as_deref())?;
        let (id, mut stored) = match self.open_assessment_id()? {
            Some(id) => {
                let stored = self.load_assessment(&id)?.ok_or(Error::Tampered)?;
                (id, stored)
            }
            None => (
                uuid::Uuid::new_v4().to_string(),
                Stored {
                    definition_id: def.id.clone(),
                    definition_version: def.version.clone(),
                    started_at: self.now_ms(),
                    team: None,
                    answers: BTreeMap::new(),
                    measured: BTreeMap::new(),
                    result: None,
                },
            ),
        };
        if team.is_some() {
            stored.team = team;
        }
        // A newer definition may have arrived: answers to questions it dropped are forgotten.
        stored.answers.retain(|q, o| {
            def.question(q)
                .is_some_and(|question| question.option(o).is_some())
        });
        stored.definition_id = def.id.clone();
        stored.definition_version = def.version.clone();
        let tx = self.store.transaction()?;
        self.save_assessment(&tx, &id, &stored, None)?;
        tx.commit()?;
        let measured = Self::measurements(&def, &self.device_knowledge()?);
        Ok(self.session(&id, &def, &stored, &measured))
    }

    /// The assessment in progress, if one was started and not submitted.
    pub fn current_assessment(&self) -> Result<Option<AssessmentSession>> {
        let Some(id) = self.open_assessment_id()? else {
            return Ok(None);
        };
        let stored = self.load_assessment(&id)?.ok_or(Error::Tampered)?;
        let def = self.assessment_definition()?;
        let measured = Self::measurements(&def, &self.device_knowledge()?);
        Ok(Some(self.session(&id, &def, &stored, &measured)))
    }

    /// Answers one question of the assessment in progress and saves it (sealed). A question
    /// the device measured is refused with `MeasuredAnswer` unless the answer agrees.
    pub fn answer_assessment(
        &self,
        question_id: &str,
        option_id: &str,
    ) -> Result<AssessmentSession> {
        let id = self
            .open_assessment_id()?
            .ok_or_else(|| refuse(AssessmentRefusal::NothingInProgress))?;
        let def = self.assessment_definition()?;
        let question = def
            .question(question_id)
            .ok_or_else(|| refuse(AssessmentRefusal::UnknownQuestion))?;
        if question.option(option_id).is_none() {
            return Err(refuse(AssessmentRefusal::UnknownOption));
        }
        let measured = Self::measurements(&def, &self.device_knowledge()?);
        if let Some(m) = measured.get(question_id) {
            if m.option_id != option_id {
                return Err(refuse(AssessmentRefusal::MeasuredAnswer));
            }
        }
        let tx = self.store.transaction()?;
        let mut stored = self.load_assessment(&id)?.ok_or(Error::Tampered)?;
        stored
            .answers
            .insert(question_id.to_owned(), option_id.to_owned());
        self.save_assessment(&tx, &id, &stored, None)?;
        tx.commit()?;
        Ok(self.session(&id, &def, &stored, &measured))
    }

    /// Submits the assessment in progress: every question must be answered. Stores the
    /// result sealed and queues one `assessment` report, in one transaction. Submitting again
    /// is refused (`NothingInProgress`): the report is queued exactly once.
    pub fn submit_assessment(&self) -> Result<AssessmentResult> {
        let id = self
            .open_assessment_id()?
            .ok_or_else(|| refuse(AssessmentRefusal::NothingInProgress))?;
        let def = self.assessment_definition()?;
        let measured = Self::measurements(&def, &self.device_knowledge()?);
        let tx = self.store.transaction()?;
        let mut stored = self.load_assessment(&id)?.ok_or(Error::Tampered)?;
        let answers = Self::merged_answers(&def, &stored, &measured);
        let result = score::score(&def, &id, &answers);
        if !result.complete {
            return Err(refuse(AssessmentRefusal::Incomplete {
                unanswered: result.total.saturating_sub(result.answered),
            }));
        }
        let now = self.now_ms();
        let body = serde_json::json!({
            "assessment_id": id,
            "definition_id": def.id,
            "definition_version": def.version,
            "started_at": rfc3339(stored.started_at),
            "submitted_at": rfc3339(now),
            "team": stored.team,
            "overall_percent": result.overall_percent,
            "areas": result.areas.iter().map(|a| serde_json::json!({
                "area": a.area.as_str(),
                "score_percent": a.score_percent,
            })).collect::<Vec<_>>(),
            "answers": def.questions.iter().filter_map(|q| answers.get(&q.id).map(|a| serde_json::json!({
                "question_id": q.id,
                "option_id": a.option_id,
                "measured": a.evidence.is_some(),
            }))).collect::<Vec<_>>(),
        });
        stored.measured = measured;
        stored.result = Some(result.clone());
        self.save_assessment(&tx, &id, &stored, Some(now))?;
        self.queue_report(
            &tx,
            ReportDraft {
                kind: ReportKind::Assessment,
                body,
                retention: Retention::Keep,
            },
        )?;
        tx.commit()?;
        log::info!("self-assessment submitted and queued");
        Ok(result)
    }

    fn latest_submitted(&self) -> Result<Option<Stored>> {
        let id: Option<String> = self
            .store
            .conn()
            .query_row(
                "SELECT id FROM assessment WHERE submitted_at IS NOT NULL
                 ORDER BY submitted_at DESC, rowid DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.load_assessment(&id),
            None => Ok(None),
        }
    }

    /// The result of the latest submitted assessment, if any.
    pub fn latest_assessment_result(&self) -> Result<Option<AssessmentResult>> {
        Ok(self.latest_submitted()?.and_then(|s| s.result))
    }

    /// Where the latest submitted assessment stands against the installed `benchmark` bundle;
    /// `None` without a submitted assessment or a benchmark.
    pub fn assessment_standing(&self) -> Result<Option<AssessmentStanding>> {
        let Some(stored) = self.latest_submitted()? else {
            return Ok(None);
        };
        let Some(result) = stored.result.as_ref() else {
            return Ok(None);
        };
        let Some(payload) = self.installed_payload(BundleKind::Benchmark)? else {
            return Ok(None);
        };
        let bench = Benchmark::parse(&payload).map_err(|_| Error::Tampered)?;
        Ok(Some(benchmark::standing(
            &bench,
            result,
            stored.team.as_deref(),
        )))
    }
}
