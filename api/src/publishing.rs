//! How the server gets the site republished after a commit: it puts a job on the rebuild
//! queue (Redis, or the in-process queue of the embedded worker) and, for the edit form,
//! waits until the site shows the commit. The build itself is the worker's
//! (`tracebook-worker`).
//!
//! A commit is never lost to a queue that is down: the edit has been committed already, the
//! answer carries a warning, and the job waits in an outbox that is retried every second
//! until the queue takes it (only the newest job is kept: it includes the older commits).
//! Workers also compare the site with the branch when idle, which covers a server that died
//! with a job in its outbox.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tracebook_worker::{
    BuildLog, BuildRecord, ConsumerOptions, Job, Queue, RunOutcome, Runner, RunnerOptions, Source,
    Waited, wait_published,
};

/// How often the outbox is retried while the queue is down.
const OUTBOX_RETRY: Duration = Duration::from_secs(1);

/// The server's side of the rebuild queue.
pub struct Publishing {
    queue: Arc<dyn Queue>,
    /// The project root (the repository jobs name is the one holding it).
    root: PathBuf,
    site: PathBuf,
    repo: String,
    branch: String,
    outbox: Mutex<Option<Job>>,
}

impl Publishing {
    /// Publishing through `queue` for the project at `root` (repository `repo`, branch
    /// `branch`) whose site is `site`. Starts the outbox task: call inside a tokio runtime.
    pub fn start(
        queue: Arc<dyn Queue>,
        root: PathBuf,
        site: PathBuf,
        repo: String,
        branch: String,
    ) -> Arc<Publishing> {
        let publishing = Arc::new(Publishing {
            queue,
            root,
            site,
            repo,
            branch,
            outbox: Mutex::new(None),
        });
        tokio::spawn(retry_outbox(Arc::downgrade(&publishing)));
        publishing
    }

    /// An in-process worker for the project at `root` (its checked-out branch) publishing
    /// into `site`, its clone in `work_dir`, with no after-publish steps; builds the site
    /// first and fails when that build fails. For tests and embedding.
    pub async fn embedded(
        root: PathBuf,
        site: PathBuf,
        work_dir: PathBuf,
    ) -> Result<Arc<Publishing>, String> {
        let source = Source::of(&root, None).map_err(|e| e.to_string())?;
        let mut runner = Runner::new(RunnerOptions {
            source_root: root.clone(),
            site: site.clone(),
            work_dir,
            worker: "embedded".to_owned(),
            steps: Vec::new(),
        });
        let branch = source.branch.clone();
        let (outcome, runner) =
            tokio::task::spawn_blocking(move || (runner.run(&branch, 0), runner))
                .await
                .map_err(|e| e.to_string())?;
        if let RunOutcome::Failed { record, .. } = outcome {
            return Err(record.message.unwrap_or_default());
        }
        let options = ConsumerOptions::new(&source.repo, &source.branch);
        let queue = tracebook_worker::spawn_embedded(runner, options);
        Ok(Publishing::start(
            queue,
            root,
            site,
            source.repo,
            source.branch,
        ))
    }

    /// The queue, for status lines.
    pub fn describe(&self) -> String {
        self.queue.describe()
    }

    /// The branch the site follows.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The repository jobs name.
    pub fn repo(&self) -> &str {
        &self.repo
    }

    /// Queues the rebuild of a site including `commit` on `branch`; `Some(warning)` when the
    /// queue is unavailable (the job then waits in the outbox).
    pub async fn enqueue(&self, branch: &str, commit: &str) -> Option<String> {
        let job = Job {
            repo: self.repo.clone(),
            branch: branch.to_owned(),
            commit: commit.to_owned(),
        };
        match self.queue.enqueue(&job).await {
            Ok(_) => None,
            Err(err) => {
                tracing::warn!(%err, commit, "queueing the rebuild failed; kept in the outbox");
                *self.lock_outbox() = Some(job);
                Some(format!(
                    "committed, but the rebuild could not be queued ({err}); it is retried \
                     every second and the site catches up when the queue is back"
                ))
            }
        }
    }

    /// Jobs waiting in the outbox (0 or 1).
    pub fn outbox_len(&self) -> usize {
        usize::from(self.lock_outbox().is_some())
    }

    /// Waits, bounded, until the site includes `commit` or a build including it failed.
    pub async fn wait_published(&self, commit: &str, timeout: Duration) -> Waited {
        wait_published(&self.root, &self.site, commit, timeout).await
    }

    /// The recorded builds, newest first.
    pub fn builds(&self) -> Vec<BuildRecord> {
        BuildLog::of_site(&self.site).read()
    }

    fn lock_outbox(&self) -> std::sync::MutexGuard<'_, Option<Job>> {
        self.outbox.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Retries the outbox until the server stops.
async fn retry_outbox(publishing: std::sync::Weak<Publishing>) {
    loop {
        tokio::time::sleep(OUTBOX_RETRY).await;
        let Some(publishing) = publishing.upgrade() else {
            return;
        };
        let Some(job) = publishing.lock_outbox().clone() else {
            continue;
        };
        if publishing.queue.enqueue(&job).await.is_ok() {
            tracing::info!(commit = %job.commit, "the queue is back: the rebuild was queued");
            let mut outbox = publishing.lock_outbox();
            // A newer job may have arrived meanwhile: keep that one.
            if outbox.as_ref() == Some(&job) {
                *outbox = None;
            }
        }
    }
}
