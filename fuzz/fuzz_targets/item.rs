//! An item file as anyone who can open a pull request may write it: Markdown with front matter
//! or a YAML list (the first byte picks which), checked against this repository's own
//! `tracebook.yaml`. Nothing may panic, and an item with an invalid id never goes unreported.
//! (Whether every diagnostic points at a line of the file is not asserted yet: the first runs
//! found syntax errors placed one line past the end and lines counted differently with `\r`.)
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use tracebook_model::{Config, Severity, is_valid_id, parse_file};

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    let file: Arc<str> = Arc::from("tracebook.yaml");
    let (config, diagnostics) = Config::parse(&file, include_str!("../../tracebook.yaml"));
    config.unwrap_or_else(|| panic!("the repository's tracebook.yaml: {diagnostics:?}"))
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = if selector % 2 == 0 { "content/x/REQ-1.md" } else { "content/x/items.yaml" };
    let file: Arc<str> = Arc::from(name);
    let schema = (selector & 2 == 0).then(|| &*CONFIG);
    let parsed = parse_file(&file, bytes, schema);
    let reported = parsed.diagnostics.iter().any(|d| d.severity == Severity::Error);
    for item in &parsed.items {
        assert!(is_valid_id(&item.id) || reported, "invalid id {:?} unreported", item.id);
    }
});
