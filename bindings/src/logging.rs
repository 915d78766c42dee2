//! Hands the core's `log` records to the platform (Logcat, OSLog) through [`LogSink`].
//!
//! The core logs events, counts and states, never secrets, report contents or identifiers,
//! so whatever reaches the sink is safe to keep in a platform log.

use std::sync::{Arc, RwLock};

/// Severity of a log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Something failed.
    Error,
    /// Something unexpected that Frontline recovered from.
    Warn,
    /// A notable event (store opened, sync finished).
    Info,
    /// Detail for diagnosing a problem.
    Debug,
    /// Very fine detail.
    Trace,
}

impl LogLevel {
    fn filter(self) -> log::LevelFilter {
        match self {
            Self::Error => log::LevelFilter::Error,
            Self::Warn => log::LevelFilter::Warn,
            Self::Info => log::LevelFilter::Info,
            Self::Debug => log::LevelFilter::Debug,
            Self::Trace => log::LevelFilter::Trace,
        }
    }

    fn from_level(level: log::Level) -> Self {
        match level {
            log::Level::Error => Self::Error,
            log::Level::Warn => Self::Warn,
            log::Level::Info => Self::Info,
            log::Level::Debug => Self::Debug,
            log::Level::Trace => Self::Trace,
        }
    }
}

/// One log record.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LogRecord {
    /// Severity.
    pub level: LogLevel,
    /// The Rust module that logged it, e.g. `frontline_core::store`.
    pub target: String,
    /// The message.
    pub message: String,
}

/// A failure inside the platform's log sink. Frontline ignores it: logging never disturbs the
/// call that logged. (A `LogSink`-local error rather than the core's `PlatformError`: uniffi
/// 0.32's Kotlin cannot lower an error from another crate in a callback's return.)
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum LogSinkError {
    /// The sink could not take the record.
    #[error("the log sink failed")]
    Failed {
        /// Free text from the platform; never logged.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for LogSinkError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { reason: e.reason }
    }
}

/// Receives Frontline's log records. Implementations must be quick, thread-safe and must not
/// call back into the `Companion`.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// Called for each record at or above the level given to [`set_log_sink`].
    fn log(&self, record: LogRecord) -> Result<(), LogSinkError>;
}

/// The sink and the level it was given: records are checked against the sink's own level, so
/// a sink never sees a record below its level, even while another thread swaps sinks.
type Installed = (Arc<dyn LogSink>, log::LevelFilter);

static SINK: RwLock<Option<Installed>> = RwLock::new(None);

struct Bridge;

static BRIDGE: Bridge = Bridge;

impl log::Log for Bridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let sink = match SINK.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some((sink, level)) = sink {
            if record.level() > level {
                return;
            }
            // A failing sink must not disturb the call that logged.
            let _ = sink.log(LogRecord {
                level: LogLevel::from_level(record.level()),
                target: record.target().to_owned(),
                message: record.args().to_string(),
            });
        }
    }

    fn flush(&self) {}
}

/// Sends Frontline's log records at `max_level` and above to `sink`, replacing any earlier
/// sink. Call once at app start.
#[uniffi::export]
pub fn set_log_sink(sink: Arc<dyn LogSink>, max_level: LogLevel) {
    let installed = Some((sink, max_level.filter()));
    match SINK.write() {
        Ok(mut guard) => *guard = installed,
        Err(poisoned) => *poisoned.into_inner() = installed,
    }
    // Fails only if another logger was installed first, in which case that one keeps working.
    let _ = log::set_logger(&BRIDGE);
    log::set_max_level(max_level.filter());
}
