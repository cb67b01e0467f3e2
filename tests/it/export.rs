//! `tracebook export --format json`.

use crate::common::*;

#[test]
fn export_json_has_items_links_and_reverse_links() {
    let dir = fixture("valid/minimal");
    let out = tracebook(&["export", dir.to_str().expect("utf-8"), "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let model: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let items = model["items"].as_array().expect("items");
    assert_eq!(items.len(), 6);
    let by_id = |id: &str| {
        items
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    // Every link appears as a reverse link on its target, and nowhere else.
    let mut forward = Vec::new();
    for item in items {
        for link in item["links"].as_array().expect("links") {
            assert_eq!(link["resolved"], true);
            forward.push((
                item["id"].to_string(),
                link["kind"].to_string(),
                link["target"].as_str().expect("t").to_owned(),
            ));
        }
    }
    let mut reverse = Vec::new();
    for item in items {
        for back in item["reverse_links"].as_array().expect("reverse_links") {
            reverse.push((
                back["source"].to_string(),
                back["kind"].to_string(),
                item["id"].as_str().expect("id").to_owned(),
            ));
        }
    }
    forward.sort();
    reverse.sort();
    assert!(!forward.is_empty());
    assert_eq!(forward, reverse);
    assert_eq!(
        by_id("STK-001")["fingerprint"].as_str().expect("fp").len(),
        8
    );
    let coverage = model["coverage"].as_array().expect("coverage");
    assert_eq!(coverage.len(), 2);
    assert!(
        coverage
            .iter()
            .all(|c| c["uncovered"].as_array().expect("uncovered").is_empty())
    );
    assert_eq!(
        model["diagnostics"].as_array().expect("diagnostics").len(),
        0
    );
}
