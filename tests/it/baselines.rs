//! Baselines end to end: `tracebook diff` between tags and to the working tree (human, JSON,
//! Markdown) and the site's baseline pages, impact and item history, on a git repository each
//! test builds itself (commits, an annotated and a lightweight tag, a rename, a deletion).

use std::path::Path;

use git2::Repository;
use serde_json::Value;

use crate::common::*;
use crate::gitrepo::{commit_all, tag, write};

const CONFIG: &str = "project: Pump\nkinds:\n  need: { prefix: STK, title: Stakeholder need }\n  \
    requirement: { prefix: SYS, title: System requirement }\n  \
    verification: { prefix: VER, title: Verification }\nlinks:\n  \
    derives_from: { from: [requirement], to: [need, requirement] }\n  \
    verifies: { from: [verification], to: [requirement] }\nrules:\n  \
    - { kind: requirement, needs_incoming: verifies, severity: warning }\n";

fn md(id: &str, kind: &str, title: &str, links: &str, body: &str) -> String {
    format!("---\nid: {id}\nkind: {kind}\ntitle: {title}\n{links}---\n{body}\n")
}

/// v1 (annotated tag): STK-1 <- SYS-1 <- SYS-2 <- VER-1, and SYS-3, SYS-4 in a YAML list.
/// v2 (lightweight tag): STK-1's body edited, SYS-1's file renamed, SYS-4 deleted, SYS-5 added.
/// Then baselines R1 (v1) and R2 (v2) and SYS-2 retitled, committed.
fn pump_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let repo = Repository::init(root).expect("git init");
    write(root, "tracebook.yaml", CONFIG);
    write(
        root,
        "content/needs/STK-1.md",
        &md(
            "STK-1",
            "need",
            "Occlusion alarm",
            "",
            "The nurse hears an alarm.",
        ),
    );
    write(
        root,
        "content/reqs/SYS-1.md",
        &md(
            "SYS-1",
            "requirement",
            "Alarm latency",
            "links:\n  derives_from: [STK-1]\n",
            "Alarm within 30 s.",
        ),
    );
    write(
        root,
        "content/reqs/SYS-2.md",
        &md(
            "SYS-2",
            "requirement",
            "Alarm volume",
            "links:\n  derives_from: [SYS-1]\n",
            "At least 65 dB.",
        ),
    );
    write(
        root,
        "content/ver/VER-1.md",
        &md(
            "VER-1",
            "verification",
            "Volume test",
            "links:\n  verifies: [SYS-2]\n",
            "Measure it.",
        ),
    );
    let list = "- { id: SYS-3, kind: requirement, title: Battery life }\n\
                - { id: SYS-4, kind: requirement, title: Night mode }\n";
    write(root, "content/reqs/more.yaml", list);
    commit_all(&repo, "Initial specification");
    tag(&repo, "v1");

    write(
        root,
        "content/needs/STK-1.md",
        &md(
            "STK-1",
            "need",
            "Occlusion alarm",
            "",
            "The nurse hears a loud alarm.",
        ),
    );
    std::fs::create_dir_all(root.join("content/system")).expect("mkdir");
    std::fs::rename(
        root.join("content/reqs/SYS-1.md"),
        root.join("content/system/SYS-1.md"),
    )
    .expect("rename");
    write(
        root,
        "content/reqs/more.yaml",
        "- { id: SYS-3, kind: requirement, title: Battery life }\n",
    );
    write(
        root,
        "content/reqs/SYS-5.md",
        &md(
            "SYS-5",
            "requirement",
            "Alarm colour",
            "links:\n  derives_from: [STK-1]\n",
            "Red.",
        ),
    );
    commit_all(&repo, "Louder alarm; move SYS-1; drop night mode");
    let head = repo
        .head()
        .expect("head")
        .peel(git2::ObjectType::Commit)
        .expect("commit");
    repo.tag_lightweight("v2", &head, false).expect("tag");

    write(
        root,
        "baselines/R1.yaml",
        "name: R1\ntitle: First release\nref: v1\napproved_by: [a.chen]\ndate: 2026-01-15\n",
    );
    write(root, "baselines/R2.yaml", "name: R2\nref: v2\n");
    write(
        root,
        "content/reqs/SYS-2.md",
        &md(
            "SYS-2",
            "requirement",
            "Alarm loudness",
            "links:\n  derives_from: [SYS-1]\n",
            "At least 65 dB.",
        ),
    );
    commit_all(&repo, "Baselines; retitle SYS-2");
    dir
}

/// `tracebook diff ARGS… --root ROOT`.
fn diff(root: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--root", root.to_str().expect("utf-8")]);
    tracebook(&all)
}

fn diff_json(root: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--format", "json"]);
    let out = diff(root, &all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("json")
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|v| {
            v["id"]
                .as_str()
                .or_else(|| v["item"]["id"].as_str())
                .expect("id")
        })
        .collect()
}

#[test]
fn diff_between_tags_lists_changes_and_impact() {
    let dir = pump_repository();
    let report = diff_json(dir.path(), &["v1", "v2"]);
    let changes = &report["changes"];
    assert_eq!(ids(&changes["added"]), ["SYS-5"]);
    assert_eq!(ids(&changes["removed"]), ["SYS-4"]);
    assert_eq!(ids(&changes["modified"]), ["STK-1", "SYS-1"]);
    let sys1 = &changes["modified"][1];
    assert_eq!(sys1["moved_from"], "content/reqs/SYS-1.md");
    assert_eq!(sys1["item"]["file"], "content/system/SYS-1.md");
    let body = &changes["modified"][0]["body"];
    assert!(
        body.as_array()
            .expect("segments")
            .iter()
            .any(|s| s["op"] == "insert" && s["text"].as_str().expect("text").contains("loud")),
        "{body}"
    );
    // Everything that traces to STK-1, at any depth, grouped by kind.
    let stk = report["impact"]
        .as_array()
        .expect("impact")
        .iter()
        .find(|i| i["id"] == "STK-1")
        .expect("STK-1 impact");
    let impacted: Vec<(&str, u64)> = stk["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["items"].as_array().expect("items"))
        .map(|i| {
            (
                i["id"].as_str().expect("id"),
                i["distance"].as_u64().expect("distance"),
            )
        })
        .collect();
    assert_eq!(
        impacted,
        [("SYS-1", 1), ("SYS-5", 1), ("SYS-2", 2), ("VER-1", 3)]
    );
    assert_eq!(report["from"]["label"], "v1");
    assert!(
        report["from"]["commit"]
            .as_str()
            .is_some_and(|c| c.len() == 40)
    );
}

#[test]
fn diff_resolves_baseline_names_and_compares_to_the_working_tree() {
    let dir = pump_repository();
    // An uncommitted edit is part of the working tree side.
    write(
        dir.path(),
        "content/ver/VER-1.md",
        &md(
            "VER-1",
            "verification",
            "Volume test",
            "links:\n  verifies: [SYS-2]\n",
            "Measure it twice.",
        ),
    );
    let report = diff_json(dir.path(), &["R2"]);
    assert_eq!(report["from"]["label"], "R2 (v2)");
    assert_eq!(report["to"]["label"], "working tree");
    assert_eq!(ids(&report["changes"]["modified"]), ["SYS-2", "VER-1"]);
    let title = &report["changes"]["modified"][0]["fields"][0];
    assert_eq!(
        (
            title["name"].as_str(),
            title["old"].as_str(),
            title["new"].as_str()
        ),
        (Some("title"), Some("Alarm volume"), Some("Alarm loudness"))
    );
    let human = diff(dir.path(), &["R1", "R2"]);
    assert_eq!(code(&human), 0, "{}", stderr(&human));
    let text = stdout(&human);
    assert!(text.contains("1 added, 1 removed, 2 modified"), "{text}");
    assert!(
        text.contains("body: The nurse hears [-an-]{+a loud+} alarm."),
        "{text}"
    );
    assert!(
        text.contains("moved: content/reqs/SYS-1.md -> content/system/SYS-1.md"),
        "{text}"
    );
}

#[test]
fn diff_markdown_is_a_pull_request_summary() {
    let dir = pump_repository();
    let out = diff(dir.path(), &["v1", "v2", "--format", "markdown"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("### tracebook: v1 → v2"), "{text}");
    assert!(text.contains("| 1 | 1 | 2 | 4 | 0 |"), "{text}");
    assert!(text.contains("**Removed:** `SYS-4` Night mode"), "{text}");
    // Coverage of the rule before (1 of 4 requirements verified) and after (1 of 4).
    assert!(
        text.contains("| requirement `needs_incoming: verifies` | 1/4 (25%) | 1/4 (25%) |"),
        "{text}"
    );
}

#[test]
fn diff_names_an_unknown_ref_and_the_baselines() {
    let dir = pump_repository();
    let out = diff(dir.path(), &["v9"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("`v9` is not a baseline name (R1, R2) or a git ref"),
        "{err}"
    );
}

#[test]
fn site_shows_baselines_changes_impact_and_item_history() {
    let dir = pump_repository();
    let out = dir.path().join("public");
    build_into(dir.path(), &out);
    let read = |rel: &str| std::fs::read_to_string(out.join(rel)).expect(rel);

    let index = read("baselines/index.html");
    assert!(
        index.contains("First release") && index.contains("a.chen"),
        "{index}"
    );
    assert!(
        index.find(">R1<").expect("R1 row") < index.find(">R2<").expect("R2 row"),
        "oldest first"
    );
    assert!(
        read("index.html").contains("baselines/index.html"),
        "navigation links the baselines"
    );

    let r2 = read("baselines/R2/index.html");
    assert!(
        r2.contains("Changes since the previous baseline (R1)"),
        "{r2}"
    );
    assert!(
        r2.contains("hears <del>an</del><ins>a loud</ins> alarm"),
        "word diff of STK-1's body: {r2}"
    );
    assert!(r2.contains("moved from <code>content/reqs/SYS-1.md</code>"));
    assert!(r2.contains("Night mode"), "removed item listed");
    // Impact of the STK-1 change lists VER-1, three links away, with a link to its page.
    assert!(
        r2.contains(r#"href="../../items/VER-1/index.html""#),
        "{r2}"
    );
    // Since R2, to the working tree: SYS-2's retitle, as a word diff.
    assert!(
        r2.contains("<del>volume</del>") && r2.contains("<ins>loudness</ins>"),
        "{r2}"
    );

    let sys1 = read("items/SYS-1/index.html");
    assert!(
        sys1.contains("Unchanged since baseline"),
        "moved, not changed: {sys1}"
    );
    assert!(
        sys1.contains("Louder alarm; move SYS-1; drop night mode")
            && sys1.contains("Initial specification")
    );
    assert!(sys1.contains(">moved<"), "the rename is in its history");
    let sys2 = read("items/SYS-2/index.html");
    assert!(sys2.contains("Changed since the latest baseline"), "{sys2}");
}
