//! Times the static search index alone, for `scripts/bench_static_search.py`:
//!
//!     cargo run --release -p tracebook-generator --example static_index -- PROJECT OUT
//!
//! Loads PROJECT, writes its index into `OUT/assets/search/` and prints one JSON line: the
//! report of `write_static_search` plus `load_seconds` and `index_seconds`.

use std::path::PathBuf;
use std::time::Instant;

use tracebook_generator::{StaticSearchOptions, load, write_static_search};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(project), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: static_index PROJECT OUT".into());
    };
    let started = Instant::now();
    let project = load(&project)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let report = write_static_search(&project, &out, &StaticSearchOptions::default())?;
    let index_seconds = started.elapsed().as_secs_f64();
    let mut line = serde_json::to_value(&report)?;
    line["load_seconds"] = load_seconds.into();
    line["index_seconds"] = index_seconds.into();
    println!("{line}");
    Ok(())
}
