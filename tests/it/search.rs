//! `tracebook search`, and the search-index step of `tracebook build`.

use crate::common::*;

/// A temporary copy of this repository's own specification (tracebook.yaml and content/), so the
/// index is written there and not into the repository.
fn own_spec() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        repo_root().join("tracebook.yaml"),
        dir.path().join("tracebook.yaml"),
    )
    .expect("copy tracebook.yaml");
    copy_dir(&repo_root().join("content"), &dir.path().join("content"));
    dir
}

/// Runs `tracebook search ... --format json` and parses the results.
#[track_caller]
fn search_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = tracebook(&all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)))
}

#[track_caller]
fn facet_sum(results: &serde_json::Value, facet: &str) -> u64 {
    let counts = results["facets"][facet].as_object().expect("facet object");
    counts.values().map(|v| v.as_u64().expect("count")).sum()
}

#[test]
fn search_json_ranks_hits_with_snippets_and_facets() {
    let dir = own_spec();
    let root = dir.path().to_str().expect("utf-8");

    let by_id = search_json(&["REQ-061", root]);
    assert_eq!(by_id["hits"][0]["id"], "REQ-061");
    assert_eq!(by_id["fuzzy"], false);
    assert!(by_id["hits"][0]["snippet"]["text"].is_string());
    assert!(
        dir.path().join(".tracebook/search/meta.json").is_file(),
        "the index lives in ROOT/.tracebook/search"
    );

    let phrase = search_json(&["\"suspect link\"", root, "--limit", "2"]);
    let total = phrase["total"].as_u64().expect("total");
    assert!(total > 2);
    assert_eq!(phrase["hits"].as_array().expect("hits").len(), 2);
    assert_eq!(facet_sum(&phrase, "kind"), total);
    assert_eq!(facet_sum(&phrase, "status"), total);

    let hazards = search_json(&["injection", root, "--kind", "hazard"]);
    let hits = hazards["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|hit| hit["kind"] == "hazard"));

    let typo = search_json(&["fingerprnt", root]);
    assert_eq!(typo["fuzzy"], true);
    assert!(typo["total"].as_u64().expect("total") > 0);
}

#[test]
fn build_writes_the_index_beside_the_site_and_search_sees_edits() {
    let dir = copy_fixture("valid/xss");
    let root = dir.path().to_str().expect("utf-8");
    let built = tracebook(&["build", root]);
    assert_eq!(code(&built), 0, "{}", stderr(&built));
    assert!(!stderr(&built).contains("warning:"), "{}", stderr(&built));
    assert!(dir.path().join(".tracebook/search/meta.json").is_file());
    assert!(!dir.path().join("public/.tracebook").exists());

    let file = dir.path().join("content/SYS-002.md");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &file,
        text.replace("After the payloads.", "After the zebra payloads."),
    )
    .expect("write");
    let out = tracebook(&["search", "zebra", root]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(printed.contains("SYS-002"), "{printed}");
    assert!(
        printed.contains("[zebra]"),
        "hits are bracketed off a terminal: {printed}"
    );
    assert!(!printed.contains('\x1b'), "{printed}");
    assert!(printed.contains("kind: requirement 1"), "{printed}");
}

#[test]
fn build_still_publishes_when_the_index_cannot_be_written() {
    let dir = copy_fixture("valid/minimal");
    let root = dir.path().to_str().expect("utf-8");
    // A file where the index folder should go.
    std::fs::write(dir.path().join(".tracebook"), "in the way").expect("write");
    let built = tracebook(&["build", root]);
    assert_eq!(code(&built), 0, "{}", stderr(&built));
    assert!(dir.path().join("public/index.html").is_file());
    assert!(
        stderr(&built).contains("warning: the search index was not updated"),
        "{}",
        stderr(&built)
    );
}
