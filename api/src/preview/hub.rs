//! Where builds meet requests: the build loop records each outcome here, the status and
//! errors pages read the latest, and every open event stream gets one message per build.
//! Recording is synchronous (the build loop is a std thread); reading never blocks a build
//! for longer than a clone of the status.

use std::sync::{Arc, RwLock};

use serde::Serialize;
use tokio::sync::{broadcast, watch};
use tracebook_generator::SiteBuild;
use tracebook_model::{Diagnostic, Severity};

/// Build messages kept for a slow event stream; one that falls further behind skips ahead.
const EVENTS_KEPT: usize = 16;

/// How one build ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Published: the site shows the project as it is now.
    Built(SiteBuild),
    /// The project has errors; nothing was published and the last good site stays.
    ContentErrors,
    /// A theme, template or I/O failure; nothing was published and the last good site stays.
    /// The message holds the error and its causes.
    Failed(String),
}

/// What `/_tracebook/status` answers: the latest build and the problems it found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Status {
    /// The latest build published (true before the first build ends).
    pub ok: bool,
    /// Builds finished since start-up (0 while the first one runs).
    pub build: u64,
    /// Errors in the project as of the latest build.
    pub errors: usize,
    /// Warnings in the project as of the latest build.
    pub warnings: usize,
    /// The failure of a build that stopped for another reason than content errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Every diagnostic of the latest build, errors first, then by file and line.
    pub diagnostics: Vec<DiagnosticView>,
}

/// One diagnostic as the status and the page overlay show it.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticView {
    /// `error` or `warning`.
    pub severity: Severity,
    /// The stable code, e.g. `E0203`.
    pub code: String,
    /// Path relative to the project root.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl From<&Diagnostic> for DiagnosticView {
    fn from(d: &Diagnostic) -> DiagnosticView {
        DiagnosticView {
            severity: d.severity,
            code: d.code.to_string(),
            file: d.span.file.to_string(),
            line: d.span.line,
            column: d.span.column,
            message: d.message.clone(),
            help: d.hint.clone(),
        }
    }
}

/// The data of one `build` server-sent event.
#[derive(Debug, Clone, Serialize)]
pub struct BuildEvent {
    /// The build published.
    pub ok: bool,
    /// Its number (see [`Status::build`]).
    pub build: u64,
    /// Site files written (0 when it failed).
    pub rendered: usize,
    /// Site files removed (0 when it failed).
    pub removed: usize,
    /// Errors in the project.
    pub errors: usize,
    /// Milliseconds the build took.
    pub ms: u128,
}

/// The shared record of builds; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    status: RwLock<Status>,
    events: broadcast::Sender<BuildEvent>,
    stopping: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::new()
    }
}

impl Hub {
    /// A hub with no build yet.
    pub fn new() -> Hub {
        let (events, _) = broadcast::channel(EVENTS_KEPT);
        let (stopping, _) = watch::channel(false);
        let status = Status {
            ok: true,
            ..Status::default()
        };
        Hub {
            inner: Arc::new(Inner {
                status: RwLock::new(status),
                events,
                stopping,
            }),
        }
    }

    /// Records a finished build with the project's diagnostics, and tells every open event
    /// stream. Returns the build's number.
    pub fn record(&self, outcome: &Outcome, diagnostics: &[Diagnostic], ms: u128) -> u64 {
        let mut views: Vec<DiagnosticView> = diagnostics.iter().map(DiagnosticView::from).collect();
        // Stable: within each severity the model's file/line/column order stays.
        views.sort_by_key(|d| d.severity);
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let (ok, files, failure) = match outcome {
            Outcome::Built(build) => (true, Some(build.files), None),
            Outcome::ContentErrors => (false, None, None),
            Outcome::Failed(message) => (false, None, Some(message.clone())),
        };
        let number = {
            let mut status = self
                .inner
                .status
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *status = Status {
                ok,
                build: status.build + 1,
                errors,
                warnings: diagnostics.len() - errors,
                failure,
                diagnostics: views,
            };
            status.build
        };
        // No receiver (no page open) is not an error.
        let _ = self.inner.events.send(BuildEvent {
            ok,
            build: number,
            rendered: files.map_or(0, |f| f.rendered),
            removed: files.map_or(0, |f| f.removed),
            errors,
            ms,
        });
        number
    }

    /// The latest status.
    pub fn status(&self) -> Status {
        self.inner
            .status
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Whether a build has finished yet.
    pub(crate) fn has_built(&self) -> bool {
        self.inner
            .status
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .build
            > 0
    }

    /// A receiver of the build events from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<BuildEvent> {
        self.inner.events.subscribe()
    }

    /// Resolves once [`Self::stop_streams`] was called (at once if it already was).
    pub(crate) async fn stopped(&self) {
        let mut stopping = self.inner.stopping.subscribe();
        // Err only when the sender is gone, which cannot happen while `self` holds it.
        let _ = stopping.wait_for(|stop| *stop).await;
    }

    /// Ends every event stream, so that a graceful shutdown does not wait for open pages
    /// (an event stream never ends by itself).
    pub fn stop_streams(&self) {
        self.inner.stopping.send_replace(true);
    }
}
