//! What each commit changed under `content/`, kept on disk by commit id in
//! `ROOT/.tracebook/history-steps.json`. A commit and its first parent never change, so the next
//! build diffs only the commits it has not seen; the file is only a cache (a missing, foreign or
//! unreadable one is ignored and rewritten).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::Oid;
use serde::{Deserialize, Serialize};

use super::history::{Change, Step};

/// Bumped when the meaning of a record changes.
const VERSION: u32 = 1;

/// Where the cache lives for the project at `root`.
pub(super) fn path(root: &Path) -> PathBuf {
    root.join(".tracebook").join("history-steps.json")
}

/// Per commit id: `None` when the commit left `content/` as it was.
#[derive(Default)]
pub(super) struct StepsCache {
    pub(super) commits: HashMap<Oid, Option<Step>>,
}

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    /// The project's folder inside the repository: another prefix, other steps.
    prefix: String,
    commits: Vec<Record>,
}

#[derive(Serialize, Deserialize)]
struct Record {
    commit: String,
    /// Absent: no content change.
    step: Option<StepRecord>,
}

#[derive(Serialize, Deserialize)]
struct StepRecord {
    schema: Option<String>,
    /// Path, blob before, blob after.
    changes: Vec<(String, Option<String>, Option<String>)>,
}

impl StepsCache {
    /// Reads the cache; empty when absent, unreadable, of another version or another prefix.
    pub(super) fn load(root: &Path, prefix: &str) -> StepsCache {
        let Ok(bytes) = std::fs::read(path(root)) else {
            return StepsCache::default();
        };
        let Ok(file) = serde_json::from_slice::<File>(&bytes) else {
            return StepsCache::default();
        };
        if file.version != VERSION || file.prefix != prefix {
            return StepsCache::default();
        }
        let oid = |hex: &str| Oid::from_str(hex).ok();
        let mut commits = HashMap::with_capacity(file.commits.len());
        for record in file.commits {
            let Some(commit) = oid(&record.commit) else {
                return StepsCache::default();
            };
            let step = record.step.map(|s| Step {
                commit,
                schema: s.schema.as_deref().and_then(oid),
                changes: s
                    .changes
                    .into_iter()
                    .map(|(path, old, new)| Change {
                        path: Arc::from(path),
                        old: old.as_deref().and_then(oid),
                        new: new.as_deref().and_then(oid),
                    })
                    .collect(),
            });
            commits.insert(commit, step);
        }
        StepsCache { commits }
    }

    /// Writes the cache atomically; failures are ignored, as a cache that cannot be written
    /// only costs time on the next build.
    pub(super) fn save(&self, root: &Path, prefix: &str) {
        let hex = |oid: Option<Oid>| oid.map(|o| o.to_string());
        let mut commits: Vec<Record> = self
            .commits
            .iter()
            .map(|(commit, step)| Record {
                commit: commit.to_string(),
                step: step.as_ref().map(|s| StepRecord {
                    schema: hex(s.schema),
                    changes: s
                        .changes
                        .iter()
                        .map(|c| (c.path.to_string(), hex(c.old), hex(c.new)))
                        .collect(),
                }),
            })
            .collect();
        commits.sort_by(|a, b| a.commit.cmp(&b.commit));
        let file = File {
            version: VERSION,
            prefix: prefix.to_owned(),
            commits,
        };
        let target = path(root);
        let Some(dir) = target.parent() else { return };
        let Ok(json) = serde_json::to_vec(&file) else {
            return;
        };
        let _ = std::fs::create_dir_all(dir)
            .and_then(|()| crate::atomic_file::write_atomically(&target, &json));
    }
}
