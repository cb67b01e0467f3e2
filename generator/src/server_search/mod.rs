//! Server-side search: a tantivy index of every item, kept next to the site in
//! `<root>/.tracebook/search/` (never inside the published folder), updated incrementally.
//!
//! [`sync`] writes only the items whose content, status or tags changed (delete by id term +
//! add, one commit) and takes tantivy's writer lock only when there is something to write, so
//! one writer at a time is enough: the build or the worker. [`SearchIndex::search`] runs a query
//! in the language described in `query.rs` (words ANDed, `"phrases"`, `prefix*`, `kind:`,
//! `status:`, `tag:`, `id:` filters, `-` to exclude); when nothing matches, it retries with each
//! word replaced by the indexed words within a small edit distance and says so (`fuzzy`).
//!
//! Synchronous and blocking (tantivy commits block): async callers go through `spawn_blocking`.

mod facets;
mod plan;
mod query;
mod schema;
mod snippet;
mod sync;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DocId, DocSet, Index, IndexReader, ReloadPolicy, Score, SegmentReader, TERMINATED,
    TantivyDocument,
};
use tracebook_model::Project;

pub use facets::Facets;
pub use snippet::{Highlight, Snippet};
pub use sync::SyncReport;

use crate::error::{Error, Result};
use facets::FacetCollector;
use plan::Planner;
use schema::{Fields, STATUS};
use snippet::Snippets;

/// Hits returned when a query does not say.
pub const DEFAULT_LIMIT: usize = 20;
/// The most hits one query returns.
pub const MAX_LIMIT: usize = 1_000;
/// Threads one query searches segments with.
const SEARCH_THREADS: usize = 2;
/// Ranked after every other status, whatever its score.
const OBSOLETE: &str = "obsolete";

/// A search request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// The query text (empty: every item, filtered by `kind` and `status`).
    pub text: String,
    /// Only items of this kind (same as `kind:K` in the text).
    pub kind: Option<String>,
    /// Only items with this status (same as `status:S` in the text).
    pub status: Option<String>,
    /// At most this many hits (capped at [`MAX_LIMIT`]; 0 returns counts only).
    pub limit: usize,
}

impl Default for SearchQuery {
    fn default() -> SearchQuery {
        SearchQuery {
            text: String::new(),
            kind: None,
            status: None,
            limit: DEFAULT_LIMIT,
        }
    }
}

impl SearchQuery {
    /// A query for `text` with the default limit and no filters.
    pub fn new(text: impl Into<String>) -> SearchQuery {
        SearchQuery {
            text: text.into(),
            ..SearchQuery::default()
        }
    }
}

/// The answer to a [`SearchQuery`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchResults {
    /// How many items match (all of them, not only the hits returned).
    pub total: usize,
    /// No item matched exactly, and these are near matches (typo-tolerant retry).
    pub fuzzy: bool,
    /// The best matches, best first; obsolete items after all others.
    pub hits: Vec<Hit>,
    /// Matching items per kind and per status (each adds up to `total`).
    pub facets: Facets,
}

/// One matching item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The item's id.
    pub id: String,
    /// Its title (plain text, untrusted: escape it when rendering).
    pub title: String,
    /// Its kind.
    pub kind: String,
    /// Its status.
    pub status: String,
    /// Relevance (BM25 with field boosts); comparable within one result list only.
    pub score: f32,
    /// The best fragment of its body with the matched words marked.
    pub snippet: Snippet,
}

/// Where the index of the project at `root` lives.
pub fn index_dir(root: &Path) -> PathBuf {
    root.join(".tracebook").join("search")
}

/// Brings the index of the project at `root` up to date with `project` (see [`SearchIndex::sync`]).
pub fn sync(root: &Path, project: &Project) -> Result<SyncReport> {
    SearchIndex::open(root)?.sync(project)
}

/// Runs one query against the index of the project at `root` (see [`SearchIndex::search`]).
pub fn search(root: &Path, query: &SearchQuery) -> Result<SearchResults> {
    SearchIndex::open(root)?.search(query)
}

/// An open index: a long-lived server keeps one and searches it from many threads.
pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Created by this open (missing before, or of an older schema).
    created: bool,
}

impl SearchIndex {
    /// Opens the index of the project at `root`, creating it (empty) if it is missing or was
    /// written with another schema.
    pub fn open(root: &Path) -> Result<SearchIndex> {
        SearchIndex::open_dir(&index_dir(root))
    }

    /// Opens or creates the index in `dir`.
    pub fn open_dir(dir: &Path) -> Result<SearchIndex> {
        let fail = |action| move |source| Error::search(action, dir, source);
        let (schema, fields) = schema::schema();
        let (mut index, created) = open_or_create(dir, schema)?;
        schema::register_tokenizers(&index);
        // Segments are searched in parallel: latency matters more than throughput here.
        index
            .set_multithread_executor(SEARCH_THREADS)
            .map_err(fail("starting the search threads of"))?;
        // Other processes (a build while the server runs) commit too: pick their commits up.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(fail("opening a reader on"))?;
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            created,
        })
    }

    /// The folder of the index.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Re-indexes exactly the items of `project` that are new or whose content, status or tags
    /// changed, deletes the ones no longer there, and commits once. Unchanged items are not
    /// touched; with nothing to do, no writer (and no lock) is taken.
    pub fn sync(&self, project: &Project) -> Result<SyncReport> {
        // Compare with the last commit, whoever made it (a build while the server runs).
        self.reload()?;
        let searcher = self.reader.searcher();
        let report = sync::sync(&self.index, &searcher, &self.fields, project, self.created)
            .map_err(|source| Error::search("updating", &self.dir, source))?;
        if report.added + report.deleted > 0 {
            self.reload()?;
        }
        Ok(report)
    }

    /// Makes the last commit visible now instead of after the reload delay.
    pub fn reload(&self) -> Result<()> {
        self.reader
            .reload()
            .map_err(|source| Error::search("reloading", &self.dir, source))
    }

    /// Runs `query`: ranked hits with snippets, facet counts over all matches, and a fuzzy
    /// retry when nothing matches exactly.
    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults> {
        self.run(query)
            .map_err(|source| Error::search("searching", &self.dir, source))
    }

    fn run(&self, request: &SearchQuery) -> tantivy::Result<SearchResults> {
        let searcher = self.reader.searcher();
        let clauses = query::parse(&request.text);
        let limit = request.limit.min(MAX_LIMIT);
        let (kind, status) = (request.kind.as_deref(), request.status.as_deref());
        let mut fuzzy = false;
        let mut plan = Planner::new(&searcher, self.fields, false).plan(&clauses, kind, status)?;
        let ranked = TopDocs::with_limit(limit.max(1)).tweak_score(rank(plan.id_terms.clone()));
        let collectors = (ranked, Count, FacetCollector);
        let (mut top, mut total, mut facets) = searcher.search(&*plan.query, &collectors)?;
        if total == 0 && plan.has_text {
            fuzzy = true;
            plan = Planner::new(&searcher, self.fields, true).plan(&clauses, kind, status)?;
            let ranked = TopDocs::with_limit(limit.max(1)).tweak_score(rank(plan.id_terms.clone()));
            (top, total, facets) =
                searcher.search(&*plan.query, &(ranked, Count, FacetCollector))?;
        }
        top.truncate(limit);
        let mut terms = BTreeMap::new();
        plan.query.query_terms(&mut |term, _| {
            if term.field() == self.fields.body
                && let Some(text) = term.value().as_str()
            {
                terms.insert(text.to_owned(), 1.0);
            }
        });
        let mut snippets = Snippets::new(
            terms,
            plan.prefixes,
            schema::text_analyzer(),
            self.fields.body,
        );
        let mut hits = Vec::with_capacity(top.len());
        for ((_, score), address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|value| value.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            hits.push(Hit {
                id: text(self.fields.id),
                title: text(self.fields.title),
                kind: text(self.fields.kind),
                status: text(self.fields.status),
                score,
                snippet: snippets.make(&text(self.fields.body)),
            });
        }
        Ok(SearchResults {
            total,
            fuzzy,
            hits,
            facets,
        })
    }
}

/// Opens the index in `dir` (`true`: created now). An index that cannot be used (another schema,
/// corrupt) is deleted and started again: it is a cache of the project, which the next sync
/// fills. A folder holding other files is left alone and is an error.
fn open_or_create(dir: &Path, schema: tantivy::schema::Schema) -> Result<(Index, bool)> {
    std::fs::create_dir_all(dir).map_err(Error::io("creating", dir))?;
    if dir.join("meta.json").is_file() {
        if let Ok(index) = Index::open_in_dir(dir)
            && index.schema() == schema
        {
            return Ok((index, false));
        }
        std::fs::remove_dir_all(dir).map_err(Error::io("removing", dir))?;
        std::fs::create_dir_all(dir).map_err(Error::io("creating", dir))?;
    } else if std::fs::read_dir(dir)
        .map_err(Error::io("reading", dir))?
        .next()
        .is_some()
    {
        let not_an_index = std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "the folder holds files but no search index; remove them",
        );
        return Err(Error::io("opening the search index in", dir)(not_an_index));
    }
    let index = Index::create_in_dir(dir, schema)
        .map_err(|source| Error::search("creating", dir, source))?;
    Ok((index, true))
}

/// The sort key of one segment's hits.
type SegmentRank = Box<dyn Fn(DocId, Score) -> (u8, Score) + Send + Sync>;

/// Ranks hits in three classes, then by score: the items whose id was typed as a word of the
/// query, then the others, then obsolete ones (REQ-063).
fn rank(
    id_terms: Vec<tantivy::Term>,
) -> impl Fn(&SegmentReader) -> SegmentRank + Send + Sync + 'static {
    move |segment: &SegmentReader| -> SegmentRank {
        let typed = docs_with(segment, &id_terms);
        let column = segment.fast_fields().str(STATUS).ok().flatten();
        // Only segments holding an obsolete item need to read the column.
        let obsolete = column.and_then(|column| {
            let ord = column.dictionary().term_ord(OBSOLETE).ok().flatten()?;
            Some((column.ords().clone(), ord))
        });
        Box::new(move |doc, score| {
            let class = if typed.contains(&doc) {
                2
            } else if obsolete
                .as_ref()
                .is_some_and(|(ords, ord)| ords.first(doc) == Some(*ord))
            {
                0
            } else {
                1
            };
            (class, score)
        })
    }
}

/// The documents of `segment` holding one of `terms` (a handful: ids are unique).
fn docs_with(segment: &SegmentReader, terms: &[tantivy::Term]) -> Vec<DocId> {
    let mut docs = Vec::new();
    for term in terms {
        let Ok(inverted) = segment.inverted_index(term.field()) else {
            continue;
        };
        if let Ok(Some(mut postings)) = inverted.read_postings(term, IndexRecordOption::Basic) {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                docs.push(doc);
                doc = postings.advance();
            }
        }
    }
    docs
}
