//! Imported test results: a JUnit XML file (any producer, any size) or a run's `run.yaml`.
//! Either parses or gives a located diagnostic, never a panic.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use tracebook_model::evidence::ParsedResults;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = if selector % 4 == 0 { "results/ci/run.yaml" } else { "results/ci/junit.xml" };
    let path: Arc<str> = Arc::from(name);
    assert!(ParsedResults::parse(&path, bytes).is_some());
});
