//! The SQL mirror as a step after each published build (see `tracebook_worker::AfterPublish`).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::runtime::Runtime;
use tracebook_generator::git::CommitInfo;
use tracebook_model::Project;
use tracebook_worker::{AfterPublish, BuildRecord, BuildResult};

use crate::mirror::{BuildRow, Mirror, MirrorCommit, SyncReport};

/// Longest wait for the database; the step is retried later, the build is not held up.
const SYNC_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest wait to copy a build record.
const RECORD_TIMEOUT: Duration = Duration::from_secs(5);

/// Syncs the mirror to each published commit. The database is opened (and migrated) at the
/// first sync, and again after a failure: a worker starts and publishes while PostgreSQL is
/// down, and the mirror catches up when it is back.
pub struct MirrorStep {
    url: String,
    mirror: Mutex<Option<Mirror>>,
    /// Its own runtime: the steps run on a build's blocking thread, and the server's runtime
    /// may be shutting down under a build that is finishing (SIGTERM).
    runtime: Option<Runtime>,
}

impl MirrorStep {
    /// A step that syncs the database at `url`.
    pub fn new(url: &str) -> std::io::Result<MirrorStep> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(MirrorStep {
            url: url.to_owned(),
            mirror: Mutex::new(None),
            runtime: Some(runtime),
        })
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime
            .as_ref()
            .expect("the runtime lives until drop")
            .block_on(future)
    }

    /// The open mirror, opening (and migrating) it first when needed.
    async fn mirror(&self) -> Result<Mirror, String> {
        let open = self
            .mirror
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(mirror) = open {
            return Ok(mirror);
        }
        let mirror = Mirror::open(&self.url).await.map_err(|e| e.to_string())?;
        *self.mirror.lock().unwrap_or_else(PoisonError::into_inner) = Some(mirror.clone());
        Ok(mirror)
    }

    async fn sync(&self, project: &Project, commit: &MirrorCommit) -> Result<SyncReport, String> {
        let mirror = self.mirror().await?;
        mirror.sync(project, commit).await.map_err(|err| {
            if err.is_unavailable() {
                // Open afresh next time (the pool may hold dead connections).
                *self.mirror.lock().unwrap_or_else(PoisonError::into_inner) = None;
            }
            err.to_string()
        })
    }
}

impl Drop for MirrorStep {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which a runtime's own shutdown does not allow; this is
        // the non-blocking way (a sync in flight is abandoned: the next worker redoes it).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl AfterPublish for MirrorStep {
    fn name(&self) -> &str {
        "mirror"
    }

    fn after_publish(&self, project: &Project, commit: &CommitInfo) -> Result<(), String> {
        let commit = MirrorCommit {
            id: commit.id.clone(),
            author: commit.author.clone(),
            committed_at: commit.time,
            summary: commit.subject.clone(),
        };
        let sync = tokio::time::timeout(SYNC_TIMEOUT, self.sync(project, &commit));
        match self.block_on(sync) {
            Ok(Ok(report)) => {
                tracing::info!(
                    commit = %commit.id,
                    items = report.items_written,
                    deleted = report.items_deleted,
                    links = report.links_written,
                    "mirror synced"
                );
                Ok(())
            }
            Ok(Err(err)) => Err(err),
            Err(_) => Err(format!(
                "the database did not answer within {SYNC_TIMEOUT:?}"
            )),
        }
    }

    fn record(&self, build: &BuildRecord) {
        let row = BuildRow {
            id: build.id.clone(),
            commit: build.commit.clone(),
            branch: build.branch.clone(),
            started_at: i64::try_from(build.started_at_ms).unwrap_or(i64::MAX),
            duration_ms: i64::try_from(build.duration_ms).unwrap_or(i64::MAX),
            result: match build.result {
                BuildResult::Published => "published",
                BuildResult::Failed => "failed",
                // Not recorded: the mirror keeps finished builds only.
                BuildResult::Running => return,
            }
            .to_owned(),
            errors: i64::try_from(build.errors).unwrap_or(i64::MAX),
            diagnostics: serde_json::json!(build.diagnostics),
            worker: build.worker.clone(),
        };
        let recorded = async {
            let mirror = self.mirror().await?;
            mirror.record_build(&row).await.map_err(|e| e.to_string())
        };
        match self.block_on(tokio::time::timeout(RECORD_TIMEOUT, recorded)) {
            Ok(Ok(())) => {}
            // The log beside the site has it; the mirror's copy is best effort.
            Ok(Err(err)) => tracing::warn!(%err, "copying the build record to the mirror"),
            Err(_) => tracing::warn!("copying the build record to the mirror timed out"),
        }
    }
}
