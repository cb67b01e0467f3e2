//! What the builds did: `.NAME.builds.json` beside the site, the newest build first. Written
//! by whoever holds the site lock (one writer at a time, replaced atomically), read by the
//! server for `GET /api/builds` and by anyone waiting for a commit to be published. A file
//! rather than a database table: the record must survive PostgreSQL being down (the mirror
//! gets a copy when it is up).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tracebook_generator::{BuildInfo, write_atomically};

use crate::paths::beside;

/// Records kept; older builds are dropped.
const KEPT: usize = 200;

/// How a build ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildResult {
    /// Running now (a record is written when a build starts, so a stuck build shows).
    Running,
    /// The site was published.
    Published,
    /// The project had errors or the build failed; the previous site stayed.
    Failed,
}

/// One build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildRecord {
    /// Unique id (random hex).
    pub id: String,
    /// The commit built (`None` when it could not be resolved).
    pub commit: Option<String>,
    pub branch: String,
    /// Start, in milliseconds since the Unix epoch.
    pub started_at_ms: u64,
    /// Time to publish (or to fail), in milliseconds; 0 while running. The after-publish
    /// steps are not included.
    pub duration_ms: u64,
    pub result: BuildResult,
    /// Error diagnostics of the project (0 when the environment failed or all went well).
    pub errors: usize,
    /// The first error diagnostics as `file:line:col: message` (at most [`Self::SHOWN`]).
    pub diagnostics: Vec<String>,
    /// What went wrong, in one sentence; `None` when published.
    pub message: Option<String>,
    /// The worker that built it.
    pub worker: String,
    /// Jobs this build answered (more than one when a burst coalesced).
    pub jobs: usize,
    /// Site files rendered and left as they were.
    pub files_rendered: usize,
    pub files_unchanged: usize,
    /// The SQL mirror after the build: `synced`, `failed: …`, or `None` without a mirror.
    pub mirror: Option<String>,
}

impl BuildRecord {
    /// Diagnostics kept per record.
    pub const SHOWN: usize = 20;

    /// A record for a build starting now.
    pub fn start(commit: Option<String>, branch: &str, worker: &str, jobs: usize) -> BuildRecord {
        BuildRecord {
            id: random_id(),
            commit,
            branch: branch.to_owned(),
            started_at_ms: now_ms(),
            duration_ms: 0,
            result: BuildResult::Running,
            errors: 0,
            diagnostics: Vec::new(),
            message: None,
            worker: worker.to_owned(),
            jobs,
            files_rendered: 0,
            files_unchanged: 0,
            mirror: None,
        }
    }
}

/// The build log of one site folder.
#[derive(Debug, Clone)]
pub struct BuildLog {
    path: PathBuf,
}

impl BuildLog {
    /// The log of the site published at `site`.
    pub fn of_site(site: &Path) -> BuildLog {
        BuildLog {
            path: beside(site, "builds.json"),
        }
    }

    /// The records, newest first (empty when there is no log yet or it cannot be read).
    pub fn read(&self) -> Vec<BuildRecord> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Adds `record` in front, or replaces the record with its id. Call while holding the
    /// site lock (the read-modify-write is not atomic by itself).
    pub fn put(&self, record: &BuildRecord) -> std::io::Result<()> {
        let mut records = self.read();
        match records.iter_mut().find(|r| r.id == record.id) {
            Some(old) => *old = record.clone(),
            None => records.insert(0, record.clone()),
        }
        records.truncate(KEPT);
        let bytes = serde_json::to_vec_pretty(&records).map_err(std::io::Error::other)?;
        write_atomically(&self.path, &bytes)
    }
}

/// What waiting for a commit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    /// A site including the commit is published.
    Published,
    /// The newest build that includes the commit failed: nothing is coming until someone
    /// fixes the project.
    Failed(Box<BuildRecord>),
    /// Neither happened in time.
    TimedOut,
}

/// Waits until the site at `site` includes `commit` of the repository holding `root`, or a
/// build that includes it failed, or `timeout` passes. Polls (the builder may be another
/// process); cheap: two small file reads per poll.
pub async fn wait_published(root: &Path, site: &Path, commit: &str, timeout: Duration) -> Waited {
    let log = BuildLog::of_site(site);
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(published) = BuildInfo::read(site).and_then(|info| info.commit)
            && includes(root, &published, commit).await
        {
            return Waited::Published;
        }
        let newest_finished = log
            .read()
            .into_iter()
            .find(|r| r.result != BuildResult::Running);
        if let Some(failed) = newest_finished.filter(|r| r.result == BuildResult::Failed)
            && let Some(built) = &failed.commit
            && includes(root, built, commit).await
        {
            return Waited::Failed(Box::new(failed));
        }
        if tokio::time::Instant::now() >= deadline {
            return Waited::TimedOut;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Whether `built` is `commit` or a descendant of it in the repository holding `root`
/// (`false` on any error: unknown ids).
pub async fn includes(root: &Path, built: &str, commit: &str) -> bool {
    if built == commit {
        return true;
    }
    let (root, built, commit) = (root.to_path_buf(), built.to_owned(), commit.to_owned());
    tokio::task::spawn_blocking(move || is_descendant(&root, &built, &commit))
        .await
        .unwrap_or(false)
}

/// Blocking form of [`includes`].
pub fn is_descendant(root: &Path, descendant: &str, ancestor: &str) -> bool {
    if descendant == ancestor {
        return true;
    }
    let check = || -> Result<bool, git2::Error> {
        let repo = git2::Repository::discover(root)?;
        let descendant = git2::Oid::from_str(descendant)?;
        let ancestor = git2::Oid::from_str(ancestor)?;
        repo.graph_descendant_of(descendant, ancestor)
    };
    check().unwrap_or(false)
}

pub(crate) fn now_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

fn random_id() -> String {
    let mut bytes = [0u8; 8];
    // An id only needs to be unique among a few hundred records; the time is a fallback.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = now_ms().to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_kept_newest_first_and_replaced_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let log = BuildLog::of_site(&dir.path().join("public"));
        assert!(log.read().is_empty());
        let mut first = BuildRecord::start(Some("a".into()), "main", "w1", 1);
        log.put(&first).unwrap();
        let second = BuildRecord::start(Some("b".into()), "main", "w1", 3);
        log.put(&second).unwrap();
        first.result = BuildResult::Published;
        log.put(&first).unwrap();
        let records = log.read();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].id, second.id);
        assert_eq!(records[1].result, BuildResult::Published);
    }
}
