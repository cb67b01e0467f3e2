//! The preview's builds, on one std thread of their own (builds are blocking CPU and disk
//! work; the async runtime only serves requests). The thread owns the watcher and the
//! incremental [`SiteBuilder`]: it builds once at start, then once per batch of changes,
//! folding every batch that arrived during a build into the next one.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use notify_debouncer_full::DebounceEventResult;
use tracebook_generator::{Changes, Error as GenError, SiteBuilder, Theme};
use tracebook_model::Project;

use super::hub::{Hub, Outcome};
use super::watch::{Batch, Watch};

/// What the build thread is told.
pub(crate) enum Message {
    /// A debounced batch of file events.
    Files(DebounceEventResult),
    /// Finish the build in progress, if any, and end.
    Stop,
}

/// One finished build, as the terminal reporter sees it.
pub struct Finished<'a> {
    /// The build's number, from 1.
    pub number: u64,
    /// How it ended.
    pub outcome: &'a Outcome,
    /// The project as this build read it (`None` when it could not be read at all).
    pub project: Option<&'a Project>,
    /// From the first file read to the published site (or the failure).
    pub elapsed: Duration,
}

/// Called on the build thread after every build (the CLI prints a line and the diagnostics).
pub type Reporter = Box<dyn FnMut(&Finished<'_>) + Send>;

/// The state of the build thread.
pub(crate) struct BuildLoop {
    pub(crate) builder: SiteBuilder,
    pub(crate) watch: Watch,
    pub(crate) theme_dir: Option<PathBuf>,
    pub(crate) hub: Hub,
    pub(crate) report: Reporter,
    /// Why the theme of `--theme` does not load, while it does not: no build publishes
    /// until it loads again (the last good site stays).
    pub(crate) theme_error: Option<String>,
    /// A build failed or panicked: the next one reads everything again rather than trust
    /// the cache.
    pub(crate) must_reread: bool,
}

impl BuildLoop {
    /// Builds everything once, then rebuilds per batch until [`Message::Stop`].
    pub(crate) fn run(mut self, messages: &Receiver<Message>) {
        self.build(&Changes::Unknown);
        while let Ok(message) = messages.recv() {
            let mut batch = Batch::default();
            let mut stop = self.take(message, &mut batch);
            // Everything that queued up during the last build goes into this one.
            while let Ok(message) = messages.try_recv() {
                stop |= self.take(message, &mut batch);
            }
            if stop {
                break;
            }
            self.apply(batch);
        }
        self.watch.stop();
    }

    /// Adds a message to `batch`; true for [`Message::Stop`].
    fn take(&mut self, message: Message, batch: &mut Batch) -> bool {
        match message {
            Message::Files(result) => {
                batch.merge(self.watch.batch(result));
                false
            }
            Message::Stop => true,
        }
    }

    fn apply(&mut self, batch: Batch) {
        if batch.theme
            && let Some(dir) = &self.theme_dir
        {
            match Theme::load(dir) {
                Ok(theme) => {
                    self.builder.set_theme(theme);
                    self.theme_error = None;
                }
                Err(err) => {
                    let message =
                        format!("loading the theme at {}: {}", dir.display(), chain(&err));
                    self.theme_error = Some(message);
                }
            }
        } else if !batch.touches_project() {
            return;
        }
        tracing::debug!(paths = ?batch.paths, rescan = batch.rescan, theme = batch.theme, "rebuilding");
        let changes = if batch.rescan || std::mem::take(&mut self.must_reread) {
            Changes::Unknown
        } else {
            Changes::Paths(batch.paths)
        };
        self.build(&changes);
    }

    /// One build, recorded in the hub and reported.
    fn build(&mut self, changes: &Changes) {
        let started = Instant::now();
        let outcome = match &self.theme_error {
            // Read the project anyway, so the diagnostics shown are current.
            Some(message) => match self.builder.load(changes) {
                Ok(_) => Outcome::Failed(message.clone()),
                Err(err) => Outcome::Failed(chain(&err)),
            },
            None => self.publish(changes),
        };
        let elapsed = started.elapsed();
        let project = self.builder.project();
        let diagnostics = project.map_or(&[][..], |p| p.diagnostics.as_slice());
        let number = self.hub.record(&outcome, diagnostics, elapsed.as_millis());
        (self.report)(&Finished {
            number,
            outcome: &outcome,
            project,
            elapsed,
        });
    }

    fn publish(&mut self, changes: &Changes) -> Outcome {
        // A panic in a build must not end the preview; the builder's state is only a cache
        // of what is on disk, and the site it publishes is swapped in whole or not at all.
        let built =
            std::panic::catch_unwind(AssertUnwindSafe(|| self.builder.build(changes, &|| ())));
        match built {
            Ok(Ok(build)) => Outcome::Built(build),
            Ok(Err(GenError::ContentErrors(_))) => Outcome::ContentErrors,
            Ok(Err(err)) => {
                // An I/O error may have stopped the reading half-way.
                self.must_reread = true;
                Outcome::Failed(chain(&err))
            }
            Err(panic) => {
                self.must_reread = true;
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Outcome::Failed(format!("BUG: the build panicked: {what}"))
            }
        }
    }
}

/// The build thread's handle: where the watcher's batches go.
pub(crate) fn file_events(
    sender: Sender<Message>,
) -> impl Fn(DebounceEventResult) + Send + 'static {
    move |result| {
        // The build thread is gone only after a stop, when events no longer matter.
        let _ = sender.send(Message::Files(result));
    }
}

/// An error and its causes on one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
