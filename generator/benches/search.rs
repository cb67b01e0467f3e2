//! Server-side search benchmark: how long the tantivy index of a corpus takes to build from
//! nothing, how big it is, and how long each query of a mix takes inside one process (no
//! process start, no project load in the query times).
//!
//! ```text
//! cargo bench -p tracebook-generator --bench search -- CORPUS_DIR QUERIES_FILE [--limit N]
//! ```
//!
//! `scripts/bench.py` builds this binary (`cargo bench --no-run`, the release profile) and runs
//! it on its corpora. It loads the project, deletes the index in `CORPUS_DIR/.tracebook/search/`,
//! indexes every item (timed: `sync_ms`), then runs each query of `QUERIES_FILE` (one per line;
//! empty lines and `#` comments skipped) once untimed, which maps the index files in, and 5
//! timed times, each with `--limit` hits (default 10) and their snippets. One JSON object goes
//! to stdout: `items`, `load_ms`, `sync_ms`, `index_bytes`, `added`, and per query its text,
//! the 5 wall times in microseconds (`us`), `total` and `fuzzy`. Without arguments it prints its
//! usage and exits 0, so that `cargo bench` of the whole workspace passes.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Value, json};
use tracebook_generator::{SearchIndex, SearchQuery, SearchResults, search_index_dir};

type Res<T> = std::result::Result<T, Box<dyn Error>>;

const USAGE: &str = "usage: cargo bench -p tracebook-generator --bench search -- CORPUS_DIR QUERIES_FILE [--limit N]";

/// Timed runs of each query, after one untimed pass over the whole mix.
const RUNS: usize = 5;

struct Args {
    corpus: PathBuf,
    queries: PathBuf,
    limit: usize,
}

fn parse_args() -> Res<Option<Args>> {
    let mut paths = Vec::new();
    let mut limit = 10;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "-h" | "--help" => return Ok(None),
            "--limit" => limit = it.next().ok_or("--limit needs a value")?.parse()?,
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}").into()),
            path => paths.push(PathBuf::from(path)),
        }
    }
    match <[PathBuf; 2]>::try_from(paths) {
        Ok([corpus, queries]) => Ok(Some(Args {
            corpus,
            queries,
            limit,
        })),
        Err(paths) if paths.is_empty() => Ok(None),
        Err(_) => Err(format!("expected CORPUS_DIR and QUERIES_FILE\n{USAGE}").into()),
    }
}

fn main() -> Res<()> {
    let Some(args) = parse_args()? else {
        eprintln!("{USAGE}");
        eprintln!("(no corpus folder given: nothing to measure)");
        return Ok(());
    };
    let root = &args.corpus;
    let started = Instant::now();
    let project = tracebook_generator::load(root)?;
    let load_ms = ms(started);
    let dir = search_index_dir(root);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let index = SearchIndex::open(root)?;
    let synced = Instant::now();
    let report = index.sync(&project)?;
    let sync_ms = ms(synced);
    let timings = json!({
        "items": project.items.len(),
        "load_ms": load_ms,
        "sync_ms": sync_ms,
        "index_bytes": folder_size(&dir),
        "added": report.added,
        "queries": time_queries(&index, &args.queries, args.limit)?,
    });
    println!("{timings}");
    Ok(())
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// Each query of `file`: one untimed pass over all of them, then [`RUNS`] timed runs each.
fn time_queries(index: &SearchIndex, file: &Path, limit: usize) -> Res<Vec<Value>> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let queries: Vec<SearchQuery> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|text| SearchQuery {
            limit,
            ..SearchQuery::new(text)
        })
        .collect();
    for query in &queries {
        index.search(query)?;
    }
    let mut timings = Vec::with_capacity(queries.len());
    for query in &queries {
        let mut us = Vec::with_capacity(RUNS);
        let mut results = SearchResults::default();
        for _ in 0..RUNS {
            let started = Instant::now();
            results = index.search(query)?;
            us.push(started.elapsed().as_secs_f64() * 1e6);
        }
        timings.push(json!({
            "query": query.text,
            "us": us,
            "total": results.total,
            "fuzzy": results.fuzzy,
        }));
    }
    Ok(timings)
}

/// Bytes of the files directly in `dir` (tantivy keeps its segments flat).
fn folder_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.metadata().ok())
                .filter(|meta| meta.is_file())
                .map(|meta| meta.len())
                .sum()
        })
        .unwrap_or(0)
}
