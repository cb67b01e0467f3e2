//! The static search index as the search page uses it: a built site queried by the page's own
//! engine (`themes/default/static/search-engine.js`) under Node, through
//! `scripts/search-query.js`. Node is part of this project's machine; the test fails without it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tracebook_generator::{Changes, SiteBuilder, SiteOptions, Theme};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds the project at `root` into `out`.
fn build(root: &Path, out: &Path) {
    let theme = Theme::embedded().expect("theme");
    let mut builder = SiteBuilder::new(root, out, theme, SiteOptions::default());
    let built = builder.build(&Changes::Unknown, &|| ());
    let diagnostics = builder.project().map(|p| &p.diagnostics);
    built.unwrap_or_else(|err| panic!("build: {err} {diagnostics:?}"));
}

/// Runs the queries with the page's engine; one JSON answer per query.
#[track_caller]
fn query(site: &Path, queries: &[&str]) -> Vec<Value> {
    let out = Command::new("node")
        .arg(repo().join("scripts/search-query.js"))
        .arg(site)
        .args(queries)
        .output()
        .expect("running node (Node.js is on this project's machine; install nodejs if missing)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn ids(answer: &Value) -> Vec<&str> {
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect()
}

/// A small project where ranking is visible: an obsolete item with the words in its title, a
/// draft one with them in its title, one with them in its body only, and ids sharing parts.
fn ranking_fixture(dir: &Path) {
    let config = "kinds:\n  requirement: { prefix: SYS, title: Requirement, \
                  statuses: [draft, approved, obsolete] }\n";
    std::fs::write(dir.join("tracebook.yaml"), config).expect("config");
    let content = dir.join("content");
    std::fs::create_dir_all(&content).expect("content");
    let items = [
        ("SYS-001", "obsolete", "Pump alarm", "Replaced by SYS-002."),
        (
            "SYS-002",
            "draft",
            "Pump alarm",
            "The pump shall raise an alarm on occlusion.",
        ),
        (
            "SYS-003",
            "approved",
            "Door sensor",
            "When the door opens, the pump alarm sounds.",
        ),
        (
            "SYS-010",
            "draft",
            "Battery",
            "Low battery warning, see SYS-001.",
        ),
        ("SYS-011", "draft", "Pump", "Pump speed limit."),
    ];
    for (id, status, title, body) in items {
        let text = format!(
            "---\nid: {id}\nkind: requirement\ntitle: {title}\nstatus: {status}\n---\n{body}\n"
        );
        std::fs::write(content.join(format!("{id}.md")), text).expect("item");
    }
}

#[test]
fn ranks_exact_id_then_title_then_body_with_obsolete_last() {
    let dir = tempfile::tempdir().expect("tempdir");
    ranking_fixture(dir.path());
    let site = dir.path().join("site");
    build(dir.path(), &site);
    let answers = query(
        &site,
        &[
            "pump alarm",
            "SYS-001",
            "sys-01*",
            "occlu*",
            "alarm the",
            "the",
        ],
    );
    // Title matches first, body-only next, the obsolete item last despite its title.
    assert_eq!(ids(&answers[0]), ["SYS-002", "SYS-003", "SYS-001"]);
    // The exact id first, obsolete or not; then items that mention it.
    assert_eq!(ids(&answers[1])[0], "SYS-001");
    assert_eq!(answers[1]["results"][0]["exact"], true);
    assert_eq!(ids(&answers[1])[1..], ["SYS-010"]);
    // A prefix on the last part of an id: SYS-010 and SYS-011, not SYS-001.
    assert_eq!(ids(&answers[2]), ["SYS-010", "SYS-011"]);
    assert_eq!(ids(&answers[3]), ["SYS-002"]);
    // Stop words are ignored in a query, and a query of stop words finds nothing.
    assert_eq!(ids(&answers[4]), ["SYS-002", "SYS-003", "SYS-001"]);
    assert_eq!(answers[5]["total"], 0);
}

#[test]
fn finds_items_of_our_own_specification_loading_few_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    build(&repo(), &site);
    let answers = query(&site, &["Bounded index download", "req-063", "fingerpr*"]);
    assert_eq!(ids(&answers[0])[0], "REQ-062");
    assert_eq!(ids(&answers[1])[0], "REQ-063");
    assert!(
        answers[2]["total"].as_u64().expect("total") > 0,
        "{}",
        answers[2]
    );
    for answer in &answers {
        // The manifest, a shard or two per word, and the chunks of one page of results.
        let files = answer["files"].as_object().expect("files");
        assert!(files.contains_key("manifest"), "{answer}");
        assert!(files.len() <= 8, "{answer}");
        assert!(
            answer["bytes"].as_u64().expect("bytes") < 200_000,
            "{answer}"
        );
    }
    let search_page = std::fs::read_to_string(site.join("search/index.html")).expect("page");
    assert!(search_page.contains("assets/search-engine.js"));
}
