//! Parsed content files keyed by what determines the parse: path, blob id and schema blob id.
//! Loading several refs, or walking the history, parses each distinct file once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use git2::{Oid, Repository, Tree};
use rayon::prelude::*;
use tracebook_model::{CONFIG_FILE, Config, Diagnostic, ParsedFile, missing_config, parse_file};

use super::{GitError, blob_at};

/// What a content file's parse depends on. The path is part of it because items carry their
/// file; the schema because defaults and field checks come from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ParseKey {
    pub(super) path: Arc<str>,
    pub(super) blob: Oid,
    /// `tracebook.yaml`'s blob, `None` when the project had none.
    pub(super) schema: Option<Oid>,
}

/// `tracebook.yaml` at one commit, parsed.
#[derive(Debug, Default)]
pub(super) struct Schema {
    pub(super) oid: Option<Oid>,
    pub(super) config: Option<Config>,
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl Schema {
    /// A project without `tracebook.yaml`, reported as the disk loader reports it.
    pub(super) fn missing() -> Schema {
        Schema {
            diagnostics: vec![missing_config(&Arc::from(CONFIG_FILE))],
            ..Schema::default()
        }
    }

    /// The schema in the config blob `oid` (`None`: the project had no `tracebook.yaml`).
    pub(super) fn of_blob(repo: &Repository, oid: Option<Oid>) -> Result<Schema, GitError> {
        let Some(oid) = oid else {
            return Ok(Schema::missing());
        };
        let file: Arc<str> = Arc::from(CONFIG_FILE);
        let blob = repo.find_blob(oid)?;
        let (config, diagnostics) = Config::parse(&file, &String::from_utf8_lossy(blob.content()));
        Ok(Schema {
            oid: Some(oid),
            config,
            diagnostics,
        })
    }

    /// Reads `tracebook.yaml` from the project's tree.
    pub(super) fn read(repo: &Repository, root: &Tree<'_>) -> Result<Schema, GitError> {
        let file: Arc<str> = Arc::from(CONFIG_FILE);
        let Some(oid) = blob_at(root, CONFIG_FILE)? else {
            return Ok(Schema::missing());
        };
        let blob = repo.find_blob(oid)?;
        let (config, diagnostics) = Config::parse(&file, &String::from_utf8_lossy(blob.content()));
        Ok(Schema {
            oid: Some(oid),
            config,
            diagnostics,
        })
    }
}

/// The parse cache of one [`super::Repo`].
#[derive(Default)]
pub(super) struct ParseCache {
    files: Mutex<HashMap<ParseKey, Arc<ParsedFile>>>,
    parsed: AtomicUsize,
}

impl ParseCache {
    /// Cache misses so far.
    pub(super) fn parsed(&self) -> usize {
        self.parsed.load(Ordering::Relaxed)
    }

    /// Parses every key not yet cached (in parallel) and returns the parse of each key, in
    /// order. `schemas` must hold the schema of every key.
    pub(super) fn parse(
        &self,
        repo: &Repository,
        keys: &[ParseKey],
        schemas: &HashMap<Option<Oid>, Schema>,
    ) -> Result<Vec<Arc<ParsedFile>>, GitError> {
        let mut missing: Vec<&ParseKey> = {
            let files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
            keys.iter().filter(|k| !files.contains_key(*k)).collect()
        };
        missing
            .sort_unstable_by(|a, b| (&a.path, a.blob, a.schema).cmp(&(&b.path, b.blob, b.schema)));
        missing.dedup();
        // git2's Repository is not Sync: read the blobs here, parse them on the pool.
        let blobs = missing
            .into_iter()
            .map(|key| Ok((key, repo.find_blob(key.blob)?.content().to_vec())))
            .collect::<Result<Vec<_>, GitError>>()?;
        let parsed: Vec<(ParseKey, Arc<ParsedFile>)> = blobs
            .par_iter()
            .map(|(key, bytes)| {
                let config = schemas.get(&key.schema).and_then(|s| s.config.as_ref());
                let file = parse_file(&key.path, bytes, config);
                ((*key).clone(), Arc::new(file))
            })
            .collect();
        self.parsed.fetch_add(parsed.len(), Ordering::Relaxed);
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        files.extend(parsed);
        Ok(keys
            .iter()
            .map(|key| {
                let parsed = files.get(key).expect("BUG: every key was parsed above");
                Arc::clone(parsed)
            })
            .collect())
    }
}
