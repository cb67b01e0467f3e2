//! Incremental indexing: compare each item's content hash with the indexed one, and write only
//! the difference (delete by id term + add), in one commit.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::{IndexWriter, Searcher, TantivyDocument, Term};
use tracebook_model::{Item, Project};

use super::schema::{self, Fields, HASH, ID};

/// Indexing memory, shared by the writer's threads (tantivy wants at least 15 MB per thread).
const WRITER_MEMORY: usize = 50_000_000;
/// From this many documents to write on, a second indexing thread pays for itself.
const TWO_THREADS_FROM: usize = 5_000;

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Documents written: new items and changed ones.
    pub added: usize,
    /// Documents deleted: removed items and the old versions of changed ones.
    pub deleted: usize,
    /// Items whose indexed version was current, left untouched.
    pub unchanged: usize,
    /// Items in the index after the sync.
    pub total: usize,
    /// The index was (re)created from scratch (it was missing, or of another schema).
    pub rebuilt: bool,
}

/// The indexed hash per id (several entries for an id mean a stale duplicate to replace).
fn indexed_hashes(searcher: &Searcher) -> tantivy::Result<HashMap<String, Vec<u64>>> {
    let mut hashes: HashMap<String, Vec<u64>> = HashMap::new();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let Some(ids) = fast.str(ID)? else { continue };
        let hash = fast.u64(HASH)?;
        // Ordinals number the dictionary's terms in order: read the names once per segment.
        let mut names = Vec::with_capacity(ids.num_terms());
        let mut stream = ids.dictionary().stream()?;
        while stream.advance() {
            names.push(String::from_utf8_lossy(stream.key()).into_owned());
        }
        for doc in segment.doc_ids_alive() {
            let Some(name) = ids
                .term_ords(doc)
                .next()
                .and_then(|ord| names.get(usize::try_from(ord).ok()?))
            else {
                continue;
            };
            let value = hash.first(doc).unwrap_or(0);
            hashes.entry(name.clone()).or_default().push(value);
        }
    }
    Ok(hashes)
}

/// What has to change: items to (re)write, ids of removed items to delete.
struct Delta<'p> {
    write: Vec<&'p Item>,
    delete: Vec<String>,
    /// Documents the deletes remove (an id may have stale duplicates).
    deleted_docs: usize,
    unchanged: usize,
}

fn delta<'p>(project: &'p Project, mut indexed: HashMap<String, Vec<u64>>) -> Delta<'p> {
    let mut delta = Delta {
        write: Vec::new(),
        delete: Vec::new(),
        deleted_docs: 0,
        unchanged: 0,
    };
    for item in &project.items {
        match indexed.remove(&item.id) {
            Some(hashes) if hashes == [schema::content_hash(item)] => delta.unchanged += 1,
            Some(hashes) => {
                // Written below with a delete of its id first, like every item written.
                delta.deleted_docs += hashes.len();
                delta.write.push(item);
            }
            None => delta.write.push(item),
        }
    }
    // What is left was indexed but is no longer in the project.
    for (id, hashes) in indexed {
        delta.deleted_docs += hashes.len();
        delta.delete.push(id);
    }
    delta
}

/// Brings the index in line with `project`; takes the writer lock only when there is a change.
pub(super) fn sync(
    index: &tantivy::Index,
    searcher: &Searcher,
    fields: &Fields,
    project: &Project,
    rebuilt: bool,
) -> tantivy::Result<SyncReport> {
    let indexed = indexed_hashes(searcher)?;
    let indexed_docs: usize = indexed.values().map(Vec::len).sum();
    let delta = delta(project, indexed);
    let report = SyncReport {
        added: delta.write.len(),
        deleted: delta.deleted_docs,
        unchanged: delta.unchanged,
        total: indexed_docs - delta.deleted_docs + delta.write.len(),
        rebuilt,
    };
    if delta.write.is_empty() && delta.delete.is_empty() {
        return Ok(report);
    }
    let threads = if delta.write.len() >= TWO_THREADS_FROM {
        2
    } else {
        1
    };
    let mut writer: IndexWriter<TantivyDocument> =
        index.writer_with_num_threads(threads, WRITER_MEMORY)?;
    for id in &delta.delete {
        writer.delete_term(Term::from_field_text(fields.id, id));
    }
    for item in delta.write {
        // Also for items this searcher did not see: another process may have added them since,
        // and an id must never be indexed twice. Into an empty index (a full build) there is
        // nothing to delete, and 100k deletes would cost a term lookup each at commit.
        if indexed_docs > 0 {
            writer.delete_term(Term::from_field_text(fields.id, &item.id));
        }
        writer.add_document(schema::document(fields, item))?;
    }
    writer.commit()?;
    // Let merges finish so the index on disk is tidy (and small) before the writer lock goes.
    writer.wait_merging_threads()?;
    Ok(report)
}
