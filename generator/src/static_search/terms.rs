//! The vocabulary of the index: every term's postings, its encoded entry and the shards, kept
//! between the builds of a long-lived builder. When the document chunks are the same in number
//! (an edit that moves no document), only the postings of the chunks that changed are replaced,
//! only their terms are encoded again and only the shards holding them are joined again; a full
//! build goes through the same code with every term new, so both give the same files.

use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::cache::ChunkOut;
use super::postings::{encode_capped, js_order, partition};
use super::{StaticSearchOptions, Written, js_file, json};

/// One term's text in a shard: `"term","postings"` (postings prefixed `!` when cut).
struct Entry {
    text: String,
    is_cut: bool,
}

/// A shard: its run of `sorted` (where it starts, how many terms, the first and last) and its
/// file.
pub(super) struct Shard {
    pub(super) first: usize,
    count: usize,
    first_term: String,
    last_term: String,
    pub(super) file: Written,
}

pub(super) struct TermIndex {
    chunks: Vec<Arc<ChunkOut>>,
    chunk_docs: usize,
    options: StaticSearchOptions,
    postings: FxHashMap<String, Vec<u32>>,
    entries: FxHashMap<String, Entry>,
    /// The terms in [`js_order`].
    pub(super) sorted: Vec<String>,
    pub(super) shards: Vec<Shard>,
}

impl TermIndex {
    /// The index of `chunks` (in document order), from `previous` when it applies.
    pub(super) fn new(
        previous: Option<TermIndex>,
        chunks: Vec<Arc<ChunkOut>>,
        chunk_docs: usize,
        options: &StaticSearchOptions,
    ) -> TermIndex {
        match previous {
            Some(previous)
                if previous.chunks.len() == chunks.len()
                    && previous.chunk_docs == chunk_docs
                    && previous.options == *options =>
            {
                previous.update(chunks)
            }
            _ => TermIndex::build(chunks, chunk_docs, options),
        }
    }

    fn build(chunks: Vec<Arc<ChunkOut>>, chunk_docs: usize, options: &StaticSearchOptions) -> Self {
        let mut postings: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        // Chunks come in document order, so every list stays sorted by document.
        for chunk in &chunks {
            for (term, list) in &chunk.postings {
                match postings.get_mut(term) {
                    Some(all) => all.extend_from_slice(list),
                    None => {
                        postings.insert(term.clone(), list.clone());
                    }
                }
            }
        }
        let mut sorted: Vec<String> = postings.keys().cloned().collect();
        sorted.par_sort_unstable_by(|a, b| js_order(a, b));
        let mut index = TermIndex {
            chunks,
            chunk_docs,
            options: *options,
            postings,
            entries: FxHashMap::default(),
            sorted,
            shards: Vec::new(),
        };
        let all: Vec<String> = index.sorted.clone();
        index.encode(&all);
        index.shards = index.make_shards(Vec::new(), None);
        index
    }

    /// Replaces the postings of the chunks that differ from `chunks`.
    fn update(mut self, chunks: Vec<Arc<ChunkOut>>) -> Self {
        let mut dirty: FxHashSet<String> = FxHashSet::default();
        for (position, (old, new)) in self.chunks.iter().zip(&chunks).enumerate() {
            if Arc::ptr_eq(old, new) {
                continue;
            }
            let low = (position * self.chunk_docs) as u32;
            let high = low + self.chunk_docs as u32;
            let in_chunk = |p: &u32| (low..high).contains(&(p >> 3));
            for (term, _) in &old.postings {
                if let Some(list) = self.postings.get_mut(term) {
                    let from = list.partition_point(|p| p >> 3 < low);
                    let to = from + list[from..].iter().take_while(|p| in_chunk(p)).count();
                    list.drain(from..to);
                    dirty.insert(term.clone());
                }
            }
            for (term, list) in &new.postings {
                let all = self.postings.entry(term.clone()).or_default();
                let at = all.partition_point(|p| p >> 3 < low);
                all.splice(at..at, list.iter().copied());
                dirty.insert(term.clone());
            }
        }
        self.chunks = chunks;
        let mut changed: Vec<String> = Vec::with_capacity(dirty.len());
        for term in dirty {
            let is_empty = self.postings.get(&term).is_none_or(Vec::is_empty);
            let was_there = self.entries.contains_key(&term);
            if is_empty {
                self.postings.remove(&term);
                self.entries.remove(&term);
                if was_there {
                    let at = self.sorted.binary_search_by(|t| js_order(t, &term));
                    if let Ok(at) = at {
                        self.sorted.remove(at);
                    }
                }
            } else {
                if !was_there {
                    let at = self.sorted.binary_search_by(|t| js_order(t, &term));
                    if let Err(at) = at {
                        self.sorted.insert(at, term.clone());
                    }
                }
                changed.push(term);
            }
        }
        self.encode(&changed);
        let previous = std::mem::take(&mut self.shards);
        let changed: FxHashSet<&str> = changed.iter().map(String::as_str).collect();
        self.shards = self.make_shards(previous, Some(&changed));
        self
    }

    /// Encodes the entries of `terms`.
    fn encode(&mut self, terms: &[String]) {
        let cap = self.options.max_term_bytes;
        let postings = &self.postings;
        let encoded: Vec<(String, Entry)> = terms
            .par_iter()
            .map(|term| {
                let (code, is_cut) = encode_capped(&postings[term], cap);
                let mark = if is_cut { "!" } else { "" };
                let text = format!("{},\"{mark}{code}\"", json(term.as_str()));
                (term.clone(), Entry { text, is_cut })
            })
            .collect();
        self.entries.extend(encoded);
    }

    /// Splits `sorted` into shards; a shard with the same number and run of terms as one of
    /// `previous` and none of `changed` (`None`: all changed) keeps its file.
    fn make_shards(&self, previous: Vec<Shard>, changed: Option<&FxHashSet<&str>>) -> Vec<Shard> {
        let sizes: Vec<usize> = self
            .sorted
            .iter()
            .map(|t| self.entries[t].text.len() + 1)
            .collect();
        let starts = partition(&sizes, self.options.shard_bytes);
        let run = |s: usize| (starts[s], starts.get(s + 1).copied().unwrap_or(sizes.len()));
        // Runs holding a changed term cannot keep their file.
        let mut touched = vec![changed.is_none(); starts.len()];
        for term in changed.into_iter().flatten() {
            if let Ok(at) = self.sorted.binary_search_by(|t| js_order(t, term)) {
                touched[starts.partition_point(|&s| s <= at) - 1] = true;
            }
        }
        let mut previous: Vec<Option<Shard>> = previous.into_iter().map(Some).collect();
        previous.resize_with(starts.len(), || None);
        previous
            .into_par_iter()
            .enumerate()
            .map(|(s, old)| {
                let (first, end) = run(s);
                let (first_term, last_term) = (&self.sorted[first], &self.sorted[end - 1]);
                let kept = old.filter(|old| {
                    !touched[s]
                        && old.count == end - first
                        && old.first_term == *first_term
                        && old.last_term == *last_term
                });
                match kept {
                    Some(mut old) => {
                        old.first = first;
                        old
                    }
                    None => {
                        let body: Vec<&str> = self.sorted[first..end]
                            .iter()
                            .map(|t| self.entries[t].text.as_str())
                            .collect();
                        Shard {
                            first,
                            count: end - first,
                            first_term: first_term.clone(),
                            last_term: last_term.clone(),
                            file: js_file(&format!("t{s}"), &format!("[{}]", body.join(","))),
                        }
                    }
                }
            })
            .collect()
    }

    /// Terms whose postings were cut to the size limit.
    pub(super) fn capped(&self) -> usize {
        self.entries.values().filter(|e| e.is_cut).count()
    }
}
