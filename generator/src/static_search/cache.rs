//! The work of each document chunk, kept between builds of one long-lived builder (preview,
//! workers): tokenizing bodies is most of the index's cost, and one edited item changes one
//! chunk. A chunk is reused when the digest of everything it is made from is unchanged.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use tracebook_model::Project;

use super::terms::TermIndex;
use super::{Written, field_values};
use crate::incremental::{Digest, Digester};
use crate::render::paths::item_href;

/// A chunk file and the postings of its documents (each list sorted by document).
pub(super) struct ChunkOut {
    pub(super) file: Written,
    pub(super) postings: Vec<(String, Vec<u32>)>,
}

/// Chunks of the last build, by digest, and the digest of each item's indexed text.
#[derive(Default)]
pub(crate) struct SearchCache {
    previous: Mutex<HashMap<Digest, Arc<ChunkOut>>>,
    current: Mutex<HashMap<Digest, Arc<ChunkOut>>>,
    items: Mutex<HashMap<String, Digest>>,
    terms: Mutex<Option<TermIndex>>,
    /// Content files read again since the last build (`None`: all): the items of other files
    /// keep their digest without hashing their text again.
    pub(crate) reread: Option<HashSet<Arc<str>>>,
}

impl SearchCache {
    pub(super) fn get(&self, key: Digest) -> Option<Arc<ChunkOut>> {
        let hit = lock(&self.previous).get(&key).cloned()?;
        lock(&self.current).insert(key, hit.clone());
        Some(hit)
    }

    pub(super) fn put(&self, key: Digest, chunk: Arc<ChunkOut>) {
        lock(&self.current).insert(key, chunk);
    }

    /// The digest of item `i`'s indexed text, from the last build when its file was not read
    /// again.
    pub(super) fn item_key(&self, project: &Project, i: usize) -> Digest {
        let item = &project.items[i];
        let unchanged = self
            .reread
            .as_ref()
            .is_some_and(|reread| !reread.contains(&item.source.file));
        if unchanged && let Some(key) = lock(&self.items).get(&item.id) {
            return *key;
        }
        let key = item_key(project, i);
        lock(&self.items).insert(item.id.clone(), key);
        key
    }

    /// The vocabulary of the last build.
    pub(super) fn take_terms(&self) -> Option<TermIndex> {
        lock(&self.terms).take()
    }

    pub(super) fn put_terms(&self, terms: TermIndex) {
        *lock(&self.terms) = Some(terms);
    }

    /// Ends a build: keeps the chunks it used, drops the others.
    pub(crate) fn rotate(&self) {
        let current = std::mem::take(&mut *lock(&self.current));
        *lock(&self.previous) = current;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The digest of everything a chunk is made from: its first document number and size, and the
/// indexed text of each of its items (from `cache` when it has them).
pub(super) fn chunk_key(
    project: &Project,
    first_doc: usize,
    chunk_docs: usize,
    items: &[usize],
    cache: &SearchCache,
) -> Digest {
    let mut digester = Digester::new("search-chunk", None);
    digester.value(&(first_doc, chunk_docs));
    for &i in items {
        digester.digest(cache.item_key(project, i));
    }
    digester.finish()
}

/// The digest of what the index shows and finds of item `i`.
fn item_key(project: &Project, i: usize) -> Digest {
    let item = &project.items[i];
    Digester::new("search-item", None)
        .bytes(item.id.as_bytes())
        .bytes(item.title.as_bytes())
        .bytes(item.body.as_bytes())
        .bytes(item_href(&item.id).as_bytes())
        .value(&field_values(item))
        .finish()
}
