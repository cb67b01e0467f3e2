//! One build of a branch: under the site lock, fetch, check out the branch's newest commit,
//! build it incrementally, publish it atomically, then run the after-publish steps (search
//! index, SQL mirror) and record the build. Blocking: call from a blocking thread.
//!
//! Several workers share one site folder, one at a time (the lock). Each keeps its own
//! incremental builder; when another worker published since, this one's memory of the
//! folders is stale, so it starts again from the state the other saved. A worker that died
//! mid-build leaves a marker file: whoever takes the lock next throws the half-updated spare
//! folder away (the live site was never touched).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tracebook_generator::git::CommitInfo;
use tracebook_generator::{BuildInfo, Error as BuildError, SiteBuilder, SiteOptions, Theme};
use tracebook_model::{Project, Severity};

use crate::checkout::{Checkout, CheckoutError};
use crate::lock::SiteLock;
use crate::paths::beside;
use crate::status::{BuildLog, BuildRecord, BuildResult, now_ms};

/// A step after each published build (search index, SQL mirror). Runs on the build's
/// blocking thread while the site lock is held, so steps of two builds never interleave.
pub trait AfterPublish: Send + Sync {
    /// Names the step in the build record (`search`, `mirror`).
    fn name(&self) -> &str;
    /// Brings the step's copy up to date with `project` at `commit`. An error is recorded
    /// and the step is tried again later ([`Runner::retry_steps`]); the site stays published.
    fn after_publish(&self, project: &Project, commit: &CommitInfo) -> Result<(), String>;
    /// Sees every finished build record (published or failed), for a copy of the build log
    /// (the mirror's `mirror_builds`). Best effort: the log beside the site is the record.
    fn record(&self, _build: &BuildRecord) {}
}

/// Where a runner works.
#[derive(Clone)]
pub struct RunnerOptions {
    /// The project root in the repository the jobs name.
    pub source_root: PathBuf,
    /// The published site folder (shared by all workers).
    pub site: PathBuf,
    /// This worker's own folder (its clone).
    pub work_dir: PathBuf,
    /// This worker's name, in build records.
    pub worker: String,
    /// Steps after publishing, in order.
    pub steps: Vec<Arc<dyn AfterPublish>>,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub enum RunOutcome {
    /// A site including the branch's newest commit was already published: nothing to do.
    UpToDate { commit: String },
    /// Built and published (the record says how; `record.mirror` says how the steps went).
    Published(BuildRecord),
    /// Not published; `retry`: the environment failed (disk, git) and trying again may help;
    /// otherwise the content is broken and only a new commit helps.
    Failed { record: BuildRecord, retry: bool },
}

/// Builds a site, again and again; see the module docs.
pub struct Runner {
    options: RunnerOptions,
    checkout: Option<Checkout>,
    builder: Option<SiteBuilder>,
    /// The state file as this runner left it (length + mtime); another stamp means another
    /// worker built since.
    saved_state: Option<(u64, std::time::SystemTime)>,
    /// Steps that failed for the commit published last, to try again.
    failed_steps: Vec<usize>,
    last_published: Option<CommitInfo>,
}

impl Runner {
    pub fn new(options: RunnerOptions) -> Runner {
        Runner {
            options,
            checkout: None,
            builder: None,
            saved_state: None,
            failed_steps: Vec::new(),
            last_published: None,
        }
    }

    /// The site folder.
    pub fn site(&self) -> &Path {
        &self.options.site
    }

    /// The newest commit of `branch` in the source repository (fetches first).
    pub fn tip(&mut self, branch: &str) -> Result<String, CheckoutError> {
        let checkout = self.checkout()?;
        checkout.fetch()?;
        Ok(checkout.tip(branch)?.to_string())
    }

    /// Whether the published site lags behind the newest commit of `branch`.
    pub fn is_behind(&mut self, branch: &str) -> Result<bool, CheckoutError> {
        let tip = self.tip(branch)?;
        let published = self.published_current();
        Ok(match published {
            Some(published) => !self.includes(&published, &tip),
            None => true,
        })
    }

    /// The commit of the published site when this version of tracebook built it with edit
    /// links (a site from another version or from `tracebook build` counts as no site).
    fn published_current(&self) -> Option<String> {
        BuildInfo::read(&self.options.site)
            .filter(|info| info.is_this_version() && info.has_edit_links)
            .and_then(|info| info.commit)
    }

    /// Builds and publishes the newest commit of `branch` unless a site including it is
    /// already published. `jobs` is how many jobs this answers (for the record).
    pub fn run(&mut self, branch: &str, jobs: usize) -> RunOutcome {
        let started = Instant::now();
        let lock = match SiteLock::acquire(&self.options.site) {
            Ok(lock) => lock,
            Err(err) => {
                let mut record = BuildRecord::start(None, branch, &self.options.worker, jobs);
                return self.fail(&mut record, format!("locking the site folder: {err}"), true);
            }
        };
        let tip = match self.tip(branch) {
            Ok(tip) => tip,
            Err(err) => {
                let mut record = BuildRecord::start(None, branch, &self.options.worker, jobs);
                let retry = !matches!(err, CheckoutError::NoBranch { .. });
                return self.fail(&mut record, err.to_string(), retry);
            }
        };
        if let Some(published) = self.published_current()
            && self.includes(&published, &tip)
        {
            return RunOutcome::UpToDate { commit: published };
        }
        let mut record = BuildRecord::start(Some(tip.clone()), branch, &self.options.worker, jobs);
        let log = BuildLog::of_site(&self.options.site);
        if let Err(err) = log.put(&record) {
            tracing::warn!(%err, "writing the build log");
        }
        let outcome = self.build(&tip, &mut record, started);
        if record.result != BuildResult::Published {
            record.duration_ms = elapsed_ms(started);
        }
        if let Err(err) = log.put(&record) {
            tracing::warn!(%err, "writing the build log");
        }
        for step in &self.options.steps {
            step.record(&record);
        }
        drop(lock);
        match outcome {
            Ok(()) => RunOutcome::Published(record),
            Err(retry) => RunOutcome::Failed { record, retry },
        }
    }

    /// Runs the steps that failed after the last publish again (the mirror while PostgreSQL
    /// was down). Returns the names of steps still failing.
    pub fn retry_steps(&mut self) -> Vec<String> {
        if self.failed_steps.is_empty() {
            return Vec::new();
        }
        let Ok(_lock) = SiteLock::acquire(&self.options.site) else {
            return Vec::new();
        };
        let (Some(commit), Some(project)) = (
            self.last_published.clone(),
            self.builder.as_ref().and_then(SiteBuilder::project),
        ) else {
            self.failed_steps.clear();
            return Vec::new();
        };
        // Another worker published since: its own steps cover the newer commit.
        let published = BuildInfo::read(&self.options.site).and_then(|i| i.commit);
        if published.as_deref() != Some(commit.id.as_str()) {
            self.failed_steps.clear();
            return Vec::new();
        }
        let steps = std::mem::take(&mut self.failed_steps);
        let mut still = Vec::new();
        for index in steps {
            let step = &self.options.steps[index];
            match step.after_publish(project, &commit) {
                Ok(()) => tracing::info!(step = step.name(), commit = %commit.short, "caught up"),
                Err(err) => {
                    tracing::debug!(step = step.name(), %err, "still failing");
                    still.push(step.name().to_owned());
                    self.failed_steps.push(index);
                }
            }
        }
        still
    }

    /// The build itself, lock held; `Err(retry)` when not published.
    fn build(&mut self, tip: &str, record: &mut BuildRecord, started: Instant) -> Result<(), bool> {
        let marker = beside(&self.options.site, "building");
        if marker.exists() {
            tracing::warn!("a build was interrupted (its worker died): starting the spare afresh");
            let _ = std::fs::remove_dir_all(beside(&self.options.site, "spare"));
            let _ = std::fs::remove_file(beside(&self.options.site, "state"));
            self.builder = None;
        }
        if self.state_stamp() != self.saved_state {
            // Another worker published since (or this is the first build).
            self.builder = None;
        }
        let marked = std::fs::write(&marker, format!("{} {}\n", self.options.worker, now_ms()));
        if let Err(err) = marked {
            return Err(self.fail_record(
                record,
                format!("writing {}: {err}", marker.display()),
                true,
            ));
        }
        let result = self.check_out_and_build(tip, record, started);
        // Also after a failure: the builder leaves the live site intact and cleans its spare.
        let _ = std::fs::remove_file(&marker);
        result
    }

    fn check_out_and_build(
        &mut self,
        tip: &str,
        record: &mut BuildRecord,
        started: Instant,
    ) -> Result<(), bool> {
        let oid =
            git2::Oid::from_str(tip).map_err(|e| self.fail_record(record, e.to_string(), false))?;
        let is_fresh = self.builder.is_none();
        let checkout = self.checkout().map_err(|e| (e.to_string(), true));
        let checkout = match checkout {
            Ok(checkout) => checkout,
            Err((message, retry)) => return Err(self.fail_record(record, message, retry)),
        };
        if is_fresh {
            checkout.forget();
        }
        let changes = checkout.check_out(oid);
        let commit = checkout.commit_info(oid);
        let root = checkout.root();
        let (changes, commit) = match (changes, commit) {
            (Ok(changes), Ok(commit)) => (changes, commit),
            (Err(err), _) | (_, Err(err)) => {
                return Err(self.fail_record(record, format!("checking out {tip}: {err}"), true));
            }
        };
        if self.builder.is_none() {
            let theme = match Theme::embedded() {
                Ok(theme) => theme,
                Err(err) => return Err(self.fail_record(record, err.to_string(), false)),
            };
            let options = SiteOptions {
                edit_links: true,
                git: true,
                ..SiteOptions::default()
            };
            self.builder = Some(SiteBuilder::new(&root, &self.options.site, theme, options));
        }
        let builder = self.builder.as_mut().expect("created above");
        match builder.build(&changes, &|| ()) {
            Ok(build) => {
                builder.save_state();
                self.saved_state = self.state_stamp();
                record.result = BuildResult::Published;
                record.files_rendered = build.files.rendered;
                record.files_unchanged = build.files.kept + build.files.linked;
                self.last_published = Some(commit.clone());
                // Recorded as published at once (the time to publish), then again with how the
                // steps went: readers of the log must not see "running" for a live site.
                record.duration_ms = elapsed_ms(started);
                if let Err(err) = BuildLog::of_site(&self.options.site).put(record) {
                    tracing::warn!(%err, "writing the build log");
                }
                record.mirror = self.run_steps(&commit);
                Ok(())
            }
            Err(BuildError::ContentErrors(errors)) => {
                record.errors = errors;
                record.diagnostics = builder
                    .project()
                    .map(|project| error_lines(project, &root))
                    .unwrap_or_default();
                let message = format!("the project has {errors} error(s); the previous site stays");
                Err(self.fail_record(record, message, false))
            }
            Err(err) => {
                // The builder's caches may be half-updated: start afresh next time.
                self.builder = None;
                Err(self.fail_record(record, err.to_string(), true))
            }
        }
    }

    /// Runs every step; returns a summary for the record (`None` without steps).
    fn run_steps(&mut self, commit: &CommitInfo) -> Option<String> {
        self.failed_steps.clear();
        let project = self.builder.as_ref().and_then(SiteBuilder::project)?;
        let mut summary = Vec::new();
        for (index, step) in self.options.steps.iter().enumerate() {
            match step.after_publish(project, commit) {
                Ok(()) => summary.push(format!("{}: synced", step.name())),
                Err(err) => {
                    tracing::warn!(step = step.name(), %err, "after publishing; will retry");
                    summary.push(format!("{}: failed: {err}", step.name()));
                    self.failed_steps.push(index);
                }
            }
        }
        (!summary.is_empty()).then(|| summary.join("; "))
    }

    fn checkout(&mut self) -> Result<&mut Checkout, CheckoutError> {
        if self.checkout.is_none() {
            let dir = self.options.work_dir.join("checkout");
            self.checkout = Some(Checkout::open(&self.options.source_root, &dir)?);
        }
        Ok(self.checkout.as_mut().expect("opened above"))
    }

    fn includes(&mut self, descendant: &str, ancestor: &str) -> bool {
        let (Ok(d), Ok(a)) = (
            git2::Oid::from_str(descendant),
            git2::Oid::from_str(ancestor),
        ) else {
            return false;
        };
        self.checkout().is_ok_and(|c| c.includes(d, a))
    }

    fn state_stamp(&self) -> Option<(u64, std::time::SystemTime)> {
        let meta = std::fs::metadata(beside(&self.options.site, "state")).ok()?;
        Some((meta.len(), meta.modified().ok()?))
    }

    fn fail(&self, record: &mut BuildRecord, message: String, retry: bool) -> RunOutcome {
        self.fail_record(record, message, retry);
        if let Err(err) = BuildLog::of_site(&self.options.site).put(record) {
            tracing::warn!(%err, "writing the build log");
        }
        RunOutcome::Failed {
            record: record.clone(),
            retry,
        }
    }

    fn fail_record(&self, record: &mut BuildRecord, message: String, retry: bool) -> bool {
        tracing::warn!(commit = record.commit.as_deref().unwrap_or("-"), %message, "the build failed; the previous site stays");
        record.result = BuildResult::Failed;
        record.message = Some(message);
        retry
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The first error diagnostics, with paths relative to the project (not the worker's clone).
fn error_lines(project: &Project, root: &Path) -> Vec<String> {
    let root = format!("{}/", root.display());
    project
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .take(BuildRecord::SHOWN)
        .map(|d| d.to_string().replace(&root, ""))
        .collect()
}
