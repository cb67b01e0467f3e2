//! Static full-text search: the sharded index under `assets/search/` that the search page
//! (`themes/default/static/search.js`) loads piece by piece, with no server.
//!
//! Files, all small JavaScript files that call `window.TRACEBOOK_SEARCH.add(name, data)`, so the
//! page loads them with `<script src>` under `script-src 'self'` and from file:// (no fetch, no
//! WebAssembly):
//! - `manifest.js`: document count, kinds, statuses, the document-number range of each
//!   (kind, status) pair (filters need no download), the first term of every shard, the stop
//!   words and a content hash used to bust caches.
//! - `t<N>.js`: a run of the sorted vocabulary, `[term, postings, term, postings, ...]`, at most
//!   [`StaticSearchOptions::shard_bytes`] unless one term alone is bigger (then it is capped at
//!   [`StaticSearchOptions::max_term_bytes`]). Sorted ranges make a prefix query (`occlu*`) a
//!   walk over neighbouring shards.
//! - `d<N>.js`: [`StaticSearchOptions::chunk_docs`] documents, `[id, title, summary(, href)]`.
//!
//! Built from the model, not from the rendered HTML, so memory follows the index's size.
//! Deterministic: the same project gives byte-identical files.

mod cache;
mod layout;
mod postings;
mod terms;
#[cfg(test)]
mod tests;
mod text;

use std::collections::HashMap;

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use tracebook_model::{Item, Project};

use crate::error::{Error, Result};
use crate::render::paths::item_href;
pub(crate) use cache::SearchCache;
use cache::{ChunkOut, chunk_key};
use layout::Layout;
use postings::{DocText, doc_terms, posting};
use terms::TermIndex;
use text::{MAX_TERM_CHARS, STOP_WORDS, plain_text, summary};

/// Sizes of the static index's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaticSearchOptions {
    /// A term shard closes before it would pass this many bytes.
    pub shard_bytes: usize,
    /// The longest posting string of one term; a more common term keeps its best postings.
    pub max_term_bytes: usize,
    /// Documents per document chunk.
    pub chunk_docs: usize,
}

impl Default for StaticSearchOptions {
    /// 32 KiB shards, 200 KiB per term (every file stays under the 256 KiB of REQ-062),
    /// 64 documents per chunk (about 17 KiB: a page of ten results costs at most ten chunks).
    fn default() -> Self {
        StaticSearchOptions {
            shard_bytes: 32 * 1024,
            max_term_bytes: 200 * 1024,
            chunk_docs: 64,
        }
    }
}

/// What [`write_static_search`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StaticSearchReport {
    /// Documents (items) indexed.
    pub docs: usize,
    /// Distinct terms.
    pub terms: usize,
    /// Term shard files.
    pub shards: usize,
    /// Document chunk files.
    pub chunks: usize,
    /// All files written, the manifest included.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The term shards' share of `bytes`.
    pub shard_bytes: u64,
    /// The largest file, in bytes.
    pub largest_file: usize,
    /// Terms whose posting list was cut to `max_term_bytes`.
    pub capped_terms: usize,
}

/// Writes the static search index of `project` into `site/assets/search/`.
pub fn write_static_search(
    project: &Project,
    site: &Path,
    options: &StaticSearchOptions,
) -> Result<StaticSearchReport> {
    let (files, report) = static_search_files(project, options, None)?;
    let dir = site.join(SEARCH_DIR);
    std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
    for (rel, text) in files {
        let path = site.join(rel);
        std::fs::write(&path, text).map_err(Error::io("writing", &path))?;
    }
    Ok(report)
}

/// Where the index goes, relative to the site root.
const SEARCH_DIR: &str = "assets/search";

/// The static search index of `project` in memory: each file's path relative to the site root
/// and its text, in a fixed order.
/// `cache` keeps the work of each document chunk from one build to the next.
pub(crate) fn static_search_files(
    project: &Project,
    options: &StaticSearchOptions,
    cache: Option<&SearchCache>,
) -> Result<(Vec<(String, String)>, StaticSearchReport)> {
    let layout = Layout::new(project);
    if layout.order.len() >= 1 << 29 {
        return Err(index_error("more than 2^29 items".to_owned()));
    }
    let chunk_docs = options.chunk_docs.max(1);
    let mut out = Output {
        files: Vec::new(),
        report: StaticSearchReport {
            docs: layout.order.len(),
            ..StaticSearchReport::default()
        },
        hash: Fnv::default(),
    };
    let chunks = out.documents(project, &layout, chunk_docs, cache)?;
    let previous = cache.and_then(SearchCache::take_terms);
    let index = TermIndex::new(previous, chunks, chunk_docs, options);
    out.report.terms = index.sorted.len();
    out.report.capped_terms = index.capped();
    out.report.shards = index.shards.len();
    for shard in &index.shards {
        out.report.shard_bytes += shard.file.text.len() as u64;
        out.add(shard.file.clone());
    }

    let manifest = Manifest {
        version: 1,
        // Changes with any shard or chunk: the page adds it to their URLs to bust caches.
        hash: format!("{:016x}", out.hash.0),
        docs: layout.order.len(),
        chunk: chunk_docs,
        kinds: layout.kinds.iter().map(|(n, t)| [*n, *t]).collect(),
        statuses: layout.statuses,
        ranges: layout.ranges,
        shards: index
            .shards
            .iter()
            .map(|s| index.sorted[s.first].as_str())
            .collect(),
        stop: &STOP_WORDS,
        max_term: MAX_TERM_CHARS,
        title_weight: postings::TITLE,
        id_weight: postings::WHOLE_ID,
        digits: postings::DIGITS,
    };
    let text = serde_json::to_string(&manifest).map_err(|err| index_error(err.to_string()))?;
    let file = js_file("manifest", &text);
    out.add(file);
    if let Some(cache) = cache {
        cache.put_terms(index);
    }
    Ok((out.files, out.report))
}

/// The folder being written, what went into it, and the hash of its shards and chunks.
struct Output {
    files: Vec<(String, String)>,
    report: StaticSearchReport,
    hash: Fnv,
}

impl Output {
    fn add(&mut self, file: Written) {
        self.report.files += 1;
        self.report.bytes += file.text.len() as u64;
        self.report.largest_file = self.report.largest_file.max(file.text.len());
        self.hash.write(&file.hash.to_le_bytes());
        self.files.push((file.rel, file.text));
    }

    /// Makes the document chunks, in parallel blocks of 16 chunks (each taken from `cache`
    /// when its documents are unchanged), in document order.
    fn documents(
        &mut self,
        project: &Project,
        layout: &Layout<'_>,
        chunk_docs: usize,
        cache: Option<&SearchCache>,
    ) -> Result<Vec<Arc<ChunkOut>>> {
        let block_docs = chunk_docs * 16;
        let blocks: Vec<Vec<Arc<ChunkOut>>> = layout
            .order
            .par_chunks(block_docs)
            .enumerate()
            .map(|(b, items)| {
                let first = b * block_docs;
                items
                    .chunks(chunk_docs)
                    .enumerate()
                    .map(|(c, chunk)| {
                        let first_doc = first + c * chunk_docs;
                        let key =
                            cache.map(|c| chunk_key(project, first_doc, chunk_docs, chunk, c));
                        if let Some(hit) = cache.zip(key).and_then(|(c, k)| c.get(k)) {
                            return Ok(hit);
                        }
                        let out = Arc::new(index_chunk(project, first_doc, chunk, chunk_docs)?);
                        if let Some((cache, key)) = cache.zip(key) {
                            cache.put(key, out.clone());
                        }
                        Ok(out)
                    })
                    .collect::<Result<_>>()
            })
            .collect::<Result<_>>()?;
        let chunks: Vec<Arc<ChunkOut>> = blocks.into_iter().flatten().collect();
        for chunk in &chunks {
            self.add(chunk.file.clone());
            self.report.chunks += 1;
        }
        Ok(chunks)
    }
}

fn index_error(message: String) -> Error {
    Error::Template {
        template: "assets/search (static search index)".to_owned(),
        message,
    }
}

#[derive(Serialize)]
struct Manifest<'a> {
    version: u32,
    hash: String,
    docs: usize,
    chunk: usize,
    kinds: Vec<[&'a str; 2]>,
    statuses: Vec<&'a str>,
    ranges: Vec<[usize; 4]>,
    shards: Vec<&'a str>,
    stop: &'a [&'a str],
    max_term: usize,
    title_weight: u8,
    id_weight: u8,
    digits: &'a str,
}

/// The chunk file of the documents `items` (numbered from `first_doc`) and their postings.
fn index_chunk(
    project: &Project,
    first_doc: usize,
    items: &[usize],
    chunk_docs: usize,
) -> Result<ChunkOut> {
    let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
    let mut records = Vec::with_capacity(items.len());
    for (d, &i) in items.iter().enumerate() {
        let doc =
            u32::try_from(first_doc + d).map_err(|_| index_error("too many items".to_owned()))?;
        let item = &project.items[i];
        let plain = plain_text(&item.body);
        let text = DocText {
            id: &item.id,
            title: &item.title,
            fields: field_values(item),
            body: &plain,
        };
        for (term, weight) in doc_terms(&text) {
            postings.entry(term).or_default().push(posting(doc, weight));
        }
        records.push(record(item, &plain));
    }
    let number = first_doc / chunk_docs;
    let data = format!("[{}]", records.join(","));
    Ok(ChunkOut {
        file: js_file(&format!("d{number}"), &data),
        postings: postings.into_iter().collect(),
    })
}

/// Tags and field values as text (lists joined, numbers and booleans as written in JSON).
pub(crate) fn field_values(item: &Item) -> Vec<String> {
    let mut values = item.tags.clone();
    for field in &item.fields {
        match &field.value {
            serde_json::Value::String(s) => values.push(s.clone()),
            serde_json::Value::Array(list) => values.extend(
                list.iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
            ),
            serde_json::Value::Null => {}
            other => values.push(other.to_string()),
        }
    }
    values
}

/// `[id, title, summary]`, plus the page's href when it is not `items/<id>/index.html`.
fn record(item: &Item, plain: &str) -> String {
    let href = item_href(&item.id);
    let mut out = format!(
        "[{},{},{}",
        json(item.id.as_str()),
        json(item.title.as_str()),
        json(summary(plain).as_str())
    );
    if href != format!("items/{}/index.html", item.id) {
        out.push(',');
        out.push_str(&json(href.as_str()));
    }
    out.push(']');
    out
}

/// A JSON string literal (serializing a `&str` cannot fail).
fn json(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A file of the index: its path relative to the site root, text and content hash.
#[derive(Clone)]
struct Written {
    rel: String,
    text: String,
    hash: u64,
}

/// The file `assets/search/<name>.js`. `<` is escaped (it only occurs inside JSON strings), so
/// no indexed text can close a script element if someone inlines the file.
fn js_file(name: &str, data: &str) -> Written {
    let text = format!(
        "window.TRACEBOOK_SEARCH.add(\"{name}\",{});\n",
        data.replace('<', "\\u003c")
    );
    let mut hash = Fnv::default();
    hash.write(text.as_bytes());
    Written {
        rel: format!("{SEARCH_DIR}/{name}.js"),
        text,
        hash: hash.0,
    }
}

/// FNV-1a, 64 bits: a stable content hash for cache busting (not for security).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}
