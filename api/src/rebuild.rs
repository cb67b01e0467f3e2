//! The in-process rebuild queue of `tracebook serve`: after each commit a route calls
//! [`Rebuilder::request`], and one tokio task rebuilds the site from the work tree and publishes
//! it, so readers see the edit. A Redis-fed worker replaces the task in a later issue (#7).
//!
//! Requests coalesce: they only mark work pending and wake the task, so any number of requests
//! arriving during a build lead to exactly one more build, of the newest state. Builds are
//! blocking (file system, git2, tera, tantivy) and run in `spawn_blocking`. A project with
//! errors is never published: the last good site stays, and the failure is recorded.
//!
//! Which commit a site holds: HEAD is read *before* the project is loaded, so the content is at
//! least as new as the commit the site is labelled with, and [`Rebuilder::wait_published`] never
//! answers early. When HEAD moves while a build runs, the site keeps the older label, marked as
//! having uncommitted changes, and another build follows.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Notify, watch};
use tracebook_generator::git::{Head, Repo};
use tracebook_generator::{
    BuildInfo, BuildOptions, BuildReport, SearchIndex, Theme, Timeline, build_site_with,
};
use tracebook_model::{Project, Severity};

use crate::error::blocking;

/// Threads that rebuild at a lower CPU priority (nice 10): on a small server a rebuild after
/// every commit would otherwise take turns with the requests themselves, and a reader or the
/// next edit should not wait for a page of a site that is being replaced anyway. `None` when
/// the pool cannot start; builds then run on the caller's thread and rayon's global pool.
static BACKGROUND: std::sync::LazyLock<Option<rayon::ThreadPool>> =
    std::sync::LazyLock::new(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|n| format!("rebuild-{n}"))
            .start_handler(|_| {
                let thread = rustix::thread::gettid();
                if let Err(err) = rustix::process::setpriority_process(Some(thread), 10) {
                    tracing::warn!(%err, "rebuild threads keep normal priority");
                }
            })
            .build()
            .ok()
    });

/// Content errors logged per failed build; the rest are counted.
const LOGGED_DIAGNOSTICS: usize = 10;

/// What the rebuilds did so far, from [`Rebuilder::status`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RebuildStatus {
    /// Full id of the commit the published site was built from; `None` until one is known.
    pub published: Option<String>,
    /// Builds started since the server started.
    pub started: u64,
    /// Builds finished (published or failed) since the server started.
    pub finished: u64,
    /// A build is running now.
    pub is_building: bool,
    /// How long the last finished build took, in milliseconds.
    pub last_duration_ms: Option<u64>,
    /// Why the last finished build did not publish (or its search update failed); `None` after
    /// a clean build.
    pub last_error: Option<BuildFailure>,
}

/// A build that went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildFailure {
    /// HEAD when the build started (`None` outside git).
    pub commit: Option<String>,
    /// What went wrong.
    pub message: String,
    /// Error diagnostics of the project: nonzero when the content is broken, 0 when the
    /// environment failed (disk, git, templates).
    pub errors: usize,
}

/// Why a build did not publish.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// The project has this many errors; the site was left as it was.
    #[error("the project has {0} error(s); the site was not published")]
    ContentErrors(usize),
    /// Loading, git, rendering or publishing failed.
    #[error(transparent)]
    Generator(#[from] tracebook_generator::Error),
    /// The blocking build task panicked.
    #[error("the build task failed: {0}")]
    Task(String),
}

/// A build that was published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The commit the site is labelled with (HEAD before loading; `None` outside git).
    pub commit: Option<String>,
    /// Pages and assets written.
    pub report: BuildReport,
}

/// Rebuilds and republishes the site after commits; see the module docs.
pub struct Rebuilder {
    shared: Arc<Shared>,
    worker: tokio::task::JoinHandle<()>,
}

/// What the worker task and the handle share.
struct Shared {
    root: PathBuf,
    site_dir: PathBuf,
    search: Option<Arc<SearchIndex>>,
    /// The newest commit asked for since the worker last took the work; `Some` = work pending.
    pending: Mutex<Option<String>>,
    /// Wakes the worker. `notify_one` keeps one permit when the worker is busy, which is what
    /// makes requests during a build coalesce into exactly one more build.
    wake: Notify,
    status: watch::Sender<RebuildStatus>,
}

impl Rebuilder {
    /// Starts the worker task for the project at `root`, publishing into `site_dir` and then
    /// updating `search`. Call from inside a tokio runtime. The status starts with the commit
    /// of the site already in `site_dir` (from its `build-info.json`), so waits for older
    /// commits return at once.
    pub fn start(
        root: PathBuf,
        site_dir: PathBuf,
        search: Option<Arc<SearchIndex>>,
    ) -> Arc<Rebuilder> {
        let published = BuildInfo::read(&site_dir).and_then(|info| info.commit);
        let shared = Arc::new(Shared {
            root,
            site_dir,
            search,
            pending: Mutex::new(None),
            wake: Notify::new(),
            status: watch::Sender::new(RebuildStatus {
                published,
                ..RebuildStatus::default()
            }),
        });
        let worker = tokio::spawn(work(Arc::clone(&shared)));
        Arc::new(Rebuilder { shared, worker })
    }

    /// Asks for a rebuild that includes `commit` (coalesced with other requests).
    pub fn request(&self, commit: &str) {
        *self.shared.lock_pending() = Some(commit.to_owned());
        self.shared.wake.notify_one();
        tracing::debug!(commit, "rebuild requested");
    }

    /// What the builds did so far.
    pub fn status(&self) -> RebuildStatus {
        self.shared.status.borrow().clone()
    }

    /// Waits until a site that includes `commit` (built from it or from a descendant) has
    /// been published; `false` after `timeout`, or as soon as the last build failed on a state
    /// that includes `commit` (nothing is coming until someone fixes the project). Call it
    /// after [`Rebuilder::request`].
    pub async fn wait_published(&self, commit: &str, timeout: Duration) -> bool {
        let mut status = self.shared.status.subscribe();
        let wait = async {
            loop {
                let now = status.borrow_and_update().clone();
                if let Some(published) = &now.published
                    && self.includes(published, commit).await
                {
                    return true;
                }
                if let Some(failed) = now.last_error.as_ref().and_then(|f| f.commit.as_ref())
                    && self.includes(failed, commit).await
                {
                    return false;
                }
                if status.changed().await.is_err() {
                    return false;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.unwrap_or(false)
    }

    /// Whether the site built from `published` includes `commit`.
    async fn includes(&self, published: &str, commit: &str) -> bool {
        if published == commit {
            return true;
        }
        let root = self.shared.root.clone();
        let (published, commit) = (published.to_owned(), commit.to_owned());
        let answer = blocking("checking commit ancestry", move || {
            Ok(is_descendant(&root, &published, &commit))
        });
        answer.await.unwrap_or(false)
    }
}

impl Drop for Rebuilder {
    fn drop(&mut self) {
        // A build already in `spawn_blocking` runs to its end; publishing is atomic.
        self.worker.abort();
    }
}

impl Shared {
    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // The guarded value is a plain Option: a panic elsewhere cannot leave it half-written.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The worker task: waits for work, builds, records, forever.
async fn work(shared: Arc<Shared>) {
    loop {
        shared.wake.notified().await;
        // Taken before the build starts: requests arriving from now on wait for the next one.
        let Some(requested) = shared.lock_pending().take() else {
            continue;
        };
        shared.status.send_modify(|s| {
            s.started += 1;
            s.is_building = true;
        });
        tracing::info!(requested = %requested, "rebuilding the site");
        let started = Instant::now();
        let job = Arc::clone(&shared);
        let attempt = blocking("rebuilding the site", move || {
            let run = || build(&job.root, &job.site_dir, job.search.as_deref());
            Ok(match BACKGROUND.as_ref() {
                Some(pool) => pool.install(run),
                None => run(),
            })
        })
        .await
        .unwrap_or_else(|err| Attempt {
            commit: None,
            result: Err(RebuildError::Task(err.to_string())),
        });
        let is_head_moved = attempt.result.as_ref().is_ok_and(|o| o.is_head_moved);
        record(&shared, attempt, started.elapsed());
        if is_head_moved {
            // HEAD moved during the build: build the newer state too.
            shared
                .lock_pending()
                .get_or_insert_with(|| "HEAD".to_owned());
            shared.wake.notify_one();
        }
    }
}

/// Puts a finished build into the status, and logs it.
fn record(shared: &Shared, attempt: Attempt, took: Duration) {
    let ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
    shared.status.send_modify(|s| {
        s.finished += 1;
        s.is_building = false;
        s.last_duration_ms = Some(ms);
        match attempt.result {
            Ok(outcome) => {
                tracing::info!(
                    commit = outcome.published.commit.as_deref().unwrap_or("-"),
                    pages = outcome.published.report.pages,
                    ms,
                    "published the site"
                );
                if outcome.published.commit.is_some() {
                    s.published = outcome.published.commit.clone();
                }
                s.last_error = outcome.search_error.map(|message| BuildFailure {
                    commit: outcome.published.commit,
                    message,
                    errors: 0,
                });
            }
            Err(err) => {
                tracing::warn!(error = %err, ms, "the rebuild failed; the last good site stays");
                s.last_error = Some(BuildFailure {
                    errors: match err {
                        RebuildError::ContentErrors(errors) => errors,
                        _ => 0,
                    },
                    message: err.to_string(),
                    commit: attempt.commit,
                });
            }
        }
    });
}

/// Builds the site of the project at `root` into `site_dir` with edit links, now, on this
/// thread: for start-up, before the server (and any [`Rebuilder`] on the same folder) runs.
/// The search index is not touched. Publishes atomically; on error `site_dir` is unchanged.
pub fn build_now(root: &Path, site_dir: &Path) -> Result<Published, RebuildError> {
    build(root, site_dir, None)
        .result
        .map(|outcome| outcome.published)
}

/// Whether the site in `site_dir` is what a build now would publish: its `build-info.json`
/// names HEAD, edit links are on, this tracebook version built it, and neither then nor now do
/// the project's files differ from HEAD. Always `false` outside git (nothing to compare with).
pub fn site_is_current(root: &Path, site_dir: &Path) -> bool {
    let Some(info) = BuildInfo::read(site_dir) else {
        return false;
    };
    if !info.has_edit_links || !info.is_this_version() || info.has_uncommitted_changes {
        return false;
    }
    match head_of(root) {
        Ok(Some(head)) => !head.is_dirty && info.commit.as_deref() == Some(&head.commit.id),
        Ok(None) => false,
        Err(err) => {
            tracing::warn!(error = %err, "reading HEAD; the site counts as stale");
            false
        }
    }
}

/// One build: the commit it started from, and how it ended.
struct Attempt {
    /// HEAD read before loading (`None` outside git, or when reading it failed).
    commit: Option<String>,
    result: Result<Outcome, RebuildError>,
}

/// A published build, with what the worker needs beyond it.
struct Outcome {
    published: Published,
    /// HEAD moved between reading it and collecting the history: build again.
    is_head_moved: bool,
    /// The site was published but the search index could not be updated.
    search_error: Option<String>,
}

/// One build: HEAD first (the label of the site), then the rest.
fn build(root: &Path, site_dir: &Path, search: Option<&SearchIndex>) -> Attempt {
    match head_of(root) {
        Ok(before) => Attempt {
            commit: before.as_ref().map(|h| h.commit.id.clone()),
            result: build_from(root, site_dir, search, before),
        },
        Err(err) => Attempt {
            commit: None,
            result: Err(err.into()),
        },
    }
}

/// Load, refuse on errors, history, render and publish, search; `before` is HEAD, read first.
fn build_from(
    root: &Path,
    site_dir: &Path,
    search: Option<&SearchIndex>,
    before: Option<Head>,
) -> Result<Outcome, RebuildError> {
    let commit = before.as_ref().map(|h| h.commit.id.clone());
    let project = tracebook_generator::load(root)?;
    let errors = project.counts().errors;
    if errors > 0 {
        log_errors(&project);
        return Err(RebuildError::ContentErrors(errors));
    }
    let mut timeline = Timeline::collect(root, &project)?;
    let is_head_moved = timeline
        .as_mut()
        .is_some_and(|t| pin_head(t, before.as_ref()));
    let theme = Theme::embedded()?;
    let options = BuildOptions {
        timeline: timeline.as_ref(),
        edit_links: true,
        ..BuildOptions::default()
    };
    // build_site_with renders into a sibling staging folder and swaps it in (one rename on
    // Linux), so readers never see a half-written site, and a failed render leaves the old one.
    let report = build_site_with(&project, &theme, site_dir, &options, &|| ())?;
    let search_error = search.and_then(|index| index.sync(&project).err()).map(|err| {
        tracing::warn!(error = %err, "the site was published; updating the search index failed");
        format!("the site was published, but updating the search index failed: {err}")
    });
    Ok(Outcome {
        published: Published { commit, report },
        is_head_moved,
        search_error,
    })
}

/// Labels the site with `before` (HEAD read before loading) when HEAD has moved since; the
/// content may then hold more than `before`, so it is marked as having uncommitted changes.
/// Returns whether HEAD moved.
fn pin_head(timeline: &mut Timeline, before: Option<&Head>) -> bool {
    let id = |h: Option<&Head>| h.map(|h| h.commit.id.clone());
    if id(timeline.head.as_ref()) == id(before) {
        return false;
    }
    timeline.head = before.map(|h| Head {
        is_dirty: true,
        ..h.clone()
    });
    true
}

fn log_errors(project: &Project) {
    let errors = project
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error);
    for diagnostic in errors.take(LOGGED_DIAGNOSTICS) {
        tracing::warn!(%diagnostic, "content error; the site is not rebuilt");
    }
}

/// HEAD of the repository holding `root`; `None` outside git or before the first commit.
fn head_of(root: &Path) -> Result<Option<Head>, tracebook_generator::Error> {
    match Repo::discover(root)? {
        Some(repo) => Ok(repo.head()?),
        None => Ok(None),
    }
}

/// Whether `descendant` has `ancestor` in its history (false on any error: unknown ids).
fn is_descendant(root: &Path, descendant: &str, ancestor: &str) -> bool {
    let check = || -> Result<bool, git2::Error> {
        let repo = git2::Repository::discover(root)?;
        let descendant = git2::Oid::from_str(descendant)?;
        let ancestor = git2::Oid::from_str(ancestor)?;
        repo.graph_descendant_of(descendant, ancestor)
    };
    check().unwrap_or(false)
}
