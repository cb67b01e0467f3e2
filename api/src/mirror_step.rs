//! The SQL mirror as a step after each published build (see `tracebook_worker::AfterPublish`).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::runtime::Handle;
use tracebook_generator::git::CommitInfo;
use tracebook_model::Project;
use tracebook_worker::AfterPublish;

use crate::mirror::{Mirror, MirrorCommit, SyncReport};

/// Longest wait for the database; the step is retried later, the build is not held up.
const SYNC_TIMEOUT: Duration = Duration::from_secs(20);

/// Syncs the mirror to each published commit. The database is opened (and migrated) at the
/// first sync, and again after a failure: a worker starts and publishes while PostgreSQL is
/// down, and the mirror catches up when it is back.
pub struct MirrorStep {
    url: String,
    mirror: Mutex<Option<Mirror>>,
    runtime: Handle,
}

impl MirrorStep {
    /// A step that syncs the database at `url` on `runtime` (the step runs on a blocking
    /// thread).
    pub fn new(url: &str, runtime: Handle) -> MirrorStep {
        MirrorStep {
            url: url.to_owned(),
            mirror: Mutex::new(None),
            runtime,
        }
    }

    async fn sync(&self, project: &Project, commit: &MirrorCommit) -> Result<SyncReport, String> {
        let mirror = self
            .mirror
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mirror = match mirror {
            Some(mirror) => mirror,
            None => {
                let mirror = Mirror::open(&self.url).await.map_err(|e| e.to_string())?;
                *self.mirror.lock().unwrap_or_else(PoisonError::into_inner) = Some(mirror.clone());
                mirror
            }
        };
        mirror.sync(project, commit).await.map_err(|err| {
            if err.is_unavailable() {
                // Open afresh next time (the pool may hold dead connections).
                *self.mirror.lock().unwrap_or_else(PoisonError::into_inner) = None;
            }
            err.to_string()
        })
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
        match self.runtime.block_on(sync) {
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
}
