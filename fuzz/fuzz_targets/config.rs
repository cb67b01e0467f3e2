//! `tracebook.yaml` from a pull request: a configuration or located diagnostics, never a
//! panic; a configuration that parsed is usable for parsing an item.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tracebook_model::{Config, parse_file};

const ITEM: &[u8] = b"---\nid: REQ-001\nkind: requirement\ntitle: T\n---\nText.\n";

fuzz_target!(|text: &str| {
    let file: Arc<str> = Arc::from("tracebook.yaml");
    let (config, _diagnostics) = Config::parse(&file, text);
    if let Some(config) = config {
        let item: Arc<str> = Arc::from("content/REQ-001.md");
        let _ = parse_file(&item, ITEM, Some(&config));
    }
});
