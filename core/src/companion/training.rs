//! Training: the pack in force, progress, quiz answers and the statements they queue.
//!
//! Scoring, status and statement building live in `crate::training`.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::OptionalExtension;

use crate::bundle::BundleKind;
use crate::clock::UnixMillis;
use crate::error::{Error, Result};
use crate::outbox::{ReportDraft, ReportKind, Retention};
use crate::training::{
    assigned, built_in_pack, pack, quiz, refuse, status_of, xapi, Pack, PackSource, Progress,
    QuizAnswer, QuizChoice, QuizQuestion, QuizResult, StoredAttempt, TrainingModule,
    TrainingModuleDetail, TrainingPackInfo, TrainingRefusal, TrainingStatus, TrainingSummary,
    ATTEMPT, INSTALLED, KEPT_STATEMENTS, PROGRESS, STATEMENT,
};
use crate::Companion;

impl Companion {
    /// The pack in force and where it came from.
    fn pack_in_force(&self) -> Result<(Arc<Pack>, PackSource)> {
        let Some(digest) = self.installed_digest(BundleKind::Content)? else {
            return Ok((built_in_pack()?, PackSource::BuiltIn));
        };
        let mut cache = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((d, pack)) = cache.as_ref() {
            if *d == digest {
                return Ok((pack.clone(), PackSource::Bundle));
            }
        }
        let payload = self
            .installed_payload(BundleKind::Content)?
            .ok_or(Error::Tampered)?;
        // Checked at install. Should a later build read it differently, the built-in pack
        // applies (training stays available) until the organisation publishes a newer bundle.
        match Pack::from_json(&payload) {
            Ok(pack) => {
                let pack = Arc::new(pack);
                *cache = Some((digest, pack.clone()));
                Ok((pack, PackSource::Bundle))
            }
            Err(_) => {
                log::warn!(
                    "installed content bundle not readable by this build; using the built-in pack"
                );
                Ok((built_in_pack()?, PackSource::BuiltIn))
            }
        }
    }

    fn assigned_module(&self, pack: &Pack, module_id: &str) -> Result<pack::Module> {
        let module = pack
            .module(module_id)
            .ok_or(refuse(TrainingRefusal::UnknownModule))?;
        if !assigned(self.config.staff_role, module) {
            return Err(refuse(TrainingRefusal::NotAssigned));
        }
        Ok(module.clone())
    }

    fn load_progress(
        &self,
        conn: &rusqlite::Connection,
        module_id: &str,
    ) -> Result<Option<Progress>> {
        let sealed: Option<Vec<u8>> = conn
            .query_row(
                "SELECT state_sealed FROM training_progress WHERE module_id = ?1",
                [module_id],
                |r| r.get(0),
            )
            .optional()?;
        sealed
            .map(|s| {
                self.sealer
                    .open_json(PROGRESS, "state_sealed", module_id, &s)
            })
            .transpose()
    }

    fn all_progress(&self) -> Result<HashMap<String, Progress>> {
        let mut stmt = self
            .store
            .conn()
            .prepare_cached("SELECT module_id, state_sealed FROM training_progress")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (id, sealed) = row?;
            let p: Progress = self
                .sealer
                .open_json(PROGRESS, "state_sealed", &id, &sealed)?;
            out.insert(id, p);
        }
        Ok(out)
    }

    fn save_progress(
        &self,
        tx: &rusqlite::Transaction<'_>,
        module_id: &str,
        progress: &Progress,
        now: UnixMillis,
    ) -> Result<()> {
        let sealed = self
            .sealer
            .seal_json(PROGRESS, "state_sealed", module_id, progress)?;
        tx.execute(
            "INSERT INTO training_progress (module_id, state_sealed, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(module_id) DO UPDATE SET state_sealed = excluded.state_sealed,
                updated_at = excluded.updated_at",
            rusqlite::params![module_id, sealed, now],
        )?;
        Ok(())
    }

    /// Queues a statement through the outbox and keeps a sealed local copy, in `tx`.
    fn record_statement(
        &self,
        tx: &rusqlite::Transaction<'_>,
        statement: serde_json::Value,
        now: UnixMillis,
    ) -> Result<()> {
        let id = statement["id"].as_str().unwrap_or_default().to_owned();
        let sealed = self
            .sealer
            .seal_json(STATEMENT, "statement_sealed", &id, &statement)?;
        tx.execute(
            "INSERT INTO training_statement (id, created_at, statement_sealed) VALUES (?1, ?2, ?3)",
            rusqlite::params![id, now, sealed],
        )?;
        tx.execute(
            "DELETE FROM training_statement WHERE rowid NOT IN
               (SELECT rowid FROM training_statement ORDER BY rowid DESC LIMIT ?1)",
            [KEPT_STATEMENTS],
        )?;
        self.queue_report(
            tx,
            ReportDraft {
                kind: ReportKind::TrainingStatement,
                body: statement,
                retention: Retention::Keep,
            },
        )?;
        Ok(())
    }

    fn listed(
        &self,
        module: &pack::Module,
        progress: Option<&Progress>,
        now: UnixMillis,
    ) -> TrainingModule {
        let (status, due_at_ms) = status_of(progress, module.refresher_days, now);
        TrainingModule {
            id: module.id.clone(),
            title: module.title.clone(),
            summary: module.summary.clone(),
            audience: module.audience,
            minutes: module.minutes,
            refresher_days: module.refresher_days,
            status,
            completed_at_ms: progress.and_then(|p| p.completed_at),
            due_at_ms,
            last_score_percent: progress.and_then(|p| p.last_score_percent),
        }
    }

    /// The pack in force: the installed content bundle, or the built-in default.
    pub fn training_pack(&self) -> Result<TrainingPackInfo> {
        let (pack, source) = self.pack_in_force()?;
        Ok(TrainingPackInfo {
            id: pack.id.clone(),
            version: pack.version,
            language: pack.language.clone(),
            title: pack.title.clone(),
            source,
        })
    }

    /// The modules assigned to this member of staff's role, in pack order, with status.
    pub fn training_modules(&self) -> Result<Vec<TrainingModule>> {
        let (pack, _) = self.pack_in_force()?;
        let progress = self.all_progress()?;
        let now = self.now_ms();
        Ok(pack
            .modules
            .iter()
            .filter(|m| assigned(self.config.staff_role, m))
            .map(|m| self.listed(m, progress.get(&m.id), now))
            .collect())
    }

    /// One assigned module in full: lesson, key points and quiz (without correct answers).
    pub fn training_module(&self, module_id: &str) -> Result<TrainingModuleDetail> {
        let (pack, _) = self.pack_in_force()?;
        let module = self.assigned_module(&pack, module_id)?;
        let progress = self.load_progress(self.store.conn(), module_id)?;
        Ok(TrainingModuleDetail {
            module: self.listed(&module, progress.as_ref(), self.now_ms()),
            pack_id: pack.id.clone(),
            pack_version: pack.version,
            language: pack.language.clone(),
            lesson_markdown: module.lesson_markdown.clone(),
            key_points: module.key_points.clone(),
            pass_mark_percent: module.quiz.pass_mark_percent,
            questions: module
                .quiz
                .questions
                .iter()
                .map(|q| QuizQuestion {
                    id: q.id.clone(),
                    kind: q.kind,
                    prompt: q.prompt.clone(),
                    options: q
                        .options
                        .iter()
                        .map(|o| QuizChoice {
                            id: o.id.clone(),
                            text: o.text.clone(),
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    /// Records that the lesson of `module_id` was viewed (once per attempt cycle: the first
    /// view after a pass starts a new cycle) and queues an `experienced` statement.
    pub fn lesson_viewed(&self, module_id: &str) -> Result<TrainingModule> {
        let (pack, _) = self.pack_in_force()?;
        let module = self.assigned_module(&pack, module_id)?;
        let now = self.now_ms();
        let tx = self.store.transaction()?;
        let mut progress = self.load_progress(&tx, module_id)?.unwrap_or_default();
        let registration = progress.start_cycle(now);
        if progress.lesson_viewed_at.is_none() {
            progress.lesson_viewed_at = Some(now);
            progress.last_event_at = Some(now);
            self.save_progress(&tx, module_id, &progress, now)?;
            let subject = self.subject(&pack, &module, &registration);
            let st = xapi::statement(
                &subject,
                xapi::Verb::Experienced,
                xapi::Activity::Lesson,
                None,
                now,
            );
            self.record_statement(&tx, st, now)?;
            tx.commit()?;
        }
        Ok(self.listed(&module, Some(&progress), now))
    }

    fn subject<'a>(
        &'a self,
        pack: &'a Pack,
        module: &'a pack::Module,
        registration: &'a str,
    ) -> xapi::Subject<'a> {
        xapi::Subject {
            organisation_url: &self.config.organisation_url,
            pseudonym: &self.config.staff_pseudonym,
            pack,
            module,
            registration,
        }
    }

    /// Scores a quiz attempt on `module_id` for the pack version the learner saw, records it
    /// (sealed) and queues `attempted`, then `passed` or `failed`, and on a pass `completed`.
    pub fn submit_quiz(
        &self,
        module_id: &str,
        pack_version: u64,
        answers: Vec<QuizAnswer>,
    ) -> Result<QuizResult> {
        let (pack, _) = self.pack_in_force()?;
        let module = self.assigned_module(&pack, module_id)?;
        if pack.version != pack_version {
            return Err(refuse(TrainingRefusal::PackVersionGone));
        }
        let score = quiz::score(&module.quiz, &answers).map_err(refuse)?;
        let now = self.now_ms();
        let tx = self.store.transaction()?;
        let mut progress = self.load_progress(&tx, module_id)?.unwrap_or_default();
        let registration = progress.start_cycle(now);
        let cycle_start = progress.cycle_started_at.unwrap_or(now);
        let attempt_ms = now - progress.last_event_at.unwrap_or(cycle_start);
        progress.attempts = progress.attempts.saturating_add(1);
        progress.last_score_percent = Some(score.percent);
        progress.last_event_at = Some(now);

        let attempt_id = uuid::Uuid::new_v4().to_string();
        let stored = StoredAttempt {
            registration: registration.clone(),
            answers,
            correct_count: score.right,
            question_count: score.total,
            passed: score.passed,
        };
        let sealed = self
            .sealer
            .seal_json(ATTEMPT, "answers_sealed", &attempt_id, &stored)?;
        tx.execute(
            "INSERT INTO quiz_attempt (id, module_id, pack_version, attempted_at, answers_sealed)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                attempt_id,
                module_id,
                i64::try_from(pack.version).unwrap_or(i64::MAX),
                now,
                sealed
            ],
        )?;

        let subject = self.subject(&pack, &module, &registration);
        let outcome = xapi::Outcome {
            right: score.right,
            total: score.total,
            passed: score.passed,
            duration_ms: attempt_ms,
        };
        let attempted = xapi::statement(
            &subject,
            xapi::Verb::Attempted,
            xapi::Activity::Quiz,
            None,
            now,
        );
        let verdict = if score.passed {
            xapi::Verb::Passed
        } else {
            xapi::Verb::Failed
        };
        let judged = xapi::statement(&subject, verdict, xapi::Activity::Quiz, Some(outcome), now);
        let completed = score.passed.then(|| {
            xapi::statement(
                &subject,
                xapi::Verb::Completed,
                xapi::Activity::Module,
                Some(xapi::Outcome {
                    duration_ms: now - cycle_start,
                    ..outcome
                }),
                now,
            )
        });
        self.record_statement(&tx, attempted, now)?;
        self.record_statement(&tx, judged, now)?;
        if let Some(st) = completed {
            self.record_statement(&tx, st, now)?;
            progress.completed_at = Some(now);
            progress.completed_pack_version = Some(pack.version);
            progress.registration = None;
            progress.cycle_started_at = None;
            progress.lesson_viewed_at = None;
            progress.last_event_at = None;
        }
        self.save_progress(&tx, module_id, &progress, now)?;
        tx.commit()?;
        log::info!("quiz attempt recorded");

        let (status, due_at_ms) = status_of(Some(&progress), module.refresher_days, now);
        Ok(QuizResult {
            module_id: module.id.clone(),
            score_percent: score.percent,
            correct_count: score.right,
            question_count: score.total,
            passed: score.passed,
            pass_mark_percent: module.quiz.pass_mark_percent,
            per_question: score.per_question,
            status,
            due_at_ms,
        })
    }

    /// How much of the assigned training is current (completed and not overdue).
    pub fn training_summary(&self) -> Result<TrainingSummary> {
        let modules = self.training_modules()?;
        let count = |f: &dyn Fn(TrainingStatus) -> bool| {
            u32::try_from(modules.iter().filter(|m| f(m.status)).count()).unwrap_or(u32::MAX)
        };
        let assigned = u32::try_from(modules.len()).unwrap_or(u32::MAX);
        let current = count(&|s| s.is_current());
        Ok(TrainingSummary {
            assigned,
            current,
            due: count(&|s| s == TrainingStatus::Due),
            overdue: count(&|s| s == TrainingStatus::Overdue),
            in_progress: count(&|s| s == TrainingStatus::InProgress),
            not_started: count(&|s| s == TrainingStatus::NotStarted),
            current_share: if assigned == 0 {
                0.0
            } else {
                f64::from(current) / f64::from(assigned)
            },
        })
    }

    /// The most recent xAPI statements this device queued (newest first, at most `limit`, of
    /// the last 500 kept locally), as JSON text.
    pub fn recent_training_statements(&self, limit: u32) -> Result<Vec<String>> {
        let mut stmt = self.store.conn().prepare(
            "SELECT id, statement_sealed FROM training_statement ORDER BY rowid DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::from(limit)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed) = row?;
            let plain = self
                .sealer
                .open(STATEMENT, "statement_sealed", &id, &sealed)?;
            out.push(String::from_utf8(plain).map_err(|_| Error::Tampered)?);
        }
        Ok(out)
    }
}
