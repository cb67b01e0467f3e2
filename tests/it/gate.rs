//! `tracebook gate` and `tracebook results import` end to end: the checklist and its exit codes
//! on the lifecycle template's worked example (one failing hardware-in-the-loop case), the
//! default rules, a baseline read from git, and importing runner output into results/.

use std::path::Path;

use git2::Repository;

use crate::common::*;
use crate::gitrepo::{commit_all, tag, write};

/// The lifecycle template, initialised into a fresh folder.
fn lifecycle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tracebook(&["init", path(dir.path()), "--template", "lifecycle"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn gate(root: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["gate", path(root)];
    args.extend_from_slice(extra);
    tracebook(&args)
}

/// The worked example's failing case, made to pass.
fn fix_the_failing_case(root: &Path) {
    let file = root.join("results/hil/junit.xml");
    let xml = std::fs::read_to_string(&file).expect("hil results");
    let start = xml.find("<failure").expect("the example has a failure");
    let end = xml[start..].find("</failure>").expect("closed") + start + "</failure>".len();
    std::fs::write(&file, format!("{}{}", &xml[..start], &xml[end..])).expect("write");
}

#[test]
fn gate_on_the_lifecycle_example_is_not_ready_and_names_the_failing_case() {
    let dir = lifecycle();
    let out = gate(dir.path(), &[]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "not ready exits 1\n{text}{}", stderr(&out));
    assert!(text.contains("NOT READY"), "{text}");
    assert!(
        text.contains("[FAIL] No verification whose evidence failed or is missing"),
        "{text}"
    );
    assert!(text.contains("VER-002: evidence failed"), "{text}");
    assert!(
        text.contains("occlusion alarm raised after 31.4 s"),
        "{text}"
    );
    assert!(text.contains("[PASS] No errors"), "{text}");
    // The failure rolls up: the requirement it verifies is failed, so is the hazard it mitigates.
    assert!(
        text.contains("SYS-001: evidence failed (VER-002)"),
        "{text}"
    );
    assert!(
        text.contains("HAZ-001: no mitigation is verified"),
        "{text}"
    );

    fix_the_failing_case(dir.path());
    let out = gate(dir.path(), &[]);
    assert_eq!(code(&out), 0, "ready exits 0\n{}", stdout(&out));
    assert!(stdout(&out).contains("READY: all"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("[FAIL]"), "{}", stdout(&out));
}

#[test]
fn gate_json_and_markdown_carry_the_same_checklist() {
    let dir = lifecycle();
    let out = gate(dir.path(), &["--format", "json"]);
    assert_eq!(code(&out), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    assert_eq!(json["ready"], false);
    assert_eq!(json["configured"], true);
    assert_eq!(json["evaluated"], "working tree");
    assert!(json["commit"].is_null(), "not in git: {}", json["commit"]);
    let rules = json["rules"].as_array().expect("rules");
    let failing: Vec<&str> = rules
        .iter()
        .filter(|r| r["passed"] == false)
        .map(|r| r["label"].as_str().expect("label"))
        .collect();
    assert!(
        failing.contains(&"No verification whose evidence failed or is missing"),
        "{failing:?}"
    );
    let failure = rules
        .iter()
        .flat_map(|r| r["failures"].as_array().expect("failures"))
        .find(|f| f["id"] == "VER-002")
        .expect("VER-002 fails a rule");
    assert!(
        failure["location"]
            .as_str()
            .expect("location")
            .starts_with("content/verification/VER-002.md:"),
        "{failure}"
    );

    let out = gate(dir.path(), &["--format", "markdown"]);
    assert_eq!(code(&out), 1);
    let md = stdout(&out);
    assert!(md.starts_with("### Release readiness of "), "{md}");
    assert!(md.contains("Not ready"), "{md}");
    assert!(
        md.contains("- [ ] No verification whose evidence failed or is missing"),
        "{md}"
    );
    assert!(md.contains("- [x] No errors"), "{md}");
}

const DEFAULTS_CONFIG: &str = "project: Defaults\nkinds:\n  \
    requirement: { prefix: SYS, title: Requirement }\n  \
    verification: { prefix: VER, title: Verification }\nlinks:\n  \
    verifies: { from: [verification], to: [requirement] }\n";

const JUNIT: &str = "<testsuite name=\"pump\">\n  <testcase classname=\"pump\" name=\"alarm\"/>\n  \
    <testcase classname=\"pump\" name=\"bolus\"/>\n</testsuite>\n";

fn defaults_project(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "tracebook.yaml", DEFAULTS_CONFIG);
    write(
        root,
        "content/SYS-1.md",
        "---\nid: SYS-1\nkind: requirement\ntitle: Alarm\n---\n",
    );
    write(
        root,
        "content/VER-1.md",
        &format!(
            "---\nid: VER-1\nkind: verification\ntitle: Alarm test\nlinks: {{ verifies: [SYS-1] }}\n\
             results: [{{ junit: results/ci/junit.xml, case: \"{case}\" }}]\n---\n"
        ),
    );
    write(root, "results/ci/junit.xml", JUNIT);
    dir
}

#[test]
fn without_readiness_rules_the_gate_applies_the_defaults() {
    let ready = defaults_project("pump::alarm");
    let out = gate(ready.path(), &[]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}");
    assert!(text.contains("default rules"), "{text}");
    assert!(text.contains("[PASS] No errors"), "{text}");
    assert!(
        text.contains("[PASS] No verification whose evidence failed or is missing (1 checked)"),
        "{text}"
    );

    let missing = defaults_project("pump::alarm_latency");
    let out = gate(missing.path(), &[]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    assert!(
        text.contains("VER-1: evidence missing: no test case matches `pump::alarm_latency`"),
        "{text}"
    );

    // An error in the project fails the first default rule.
    write(
        missing.path(),
        "content/SYS-2.md",
        "---\nid: SYS-2\nkind: requirement\n---\n",
    );
    let text = stdout(&gate(missing.path(), &[]));
    assert!(text.contains("[FAIL] No errors"), "{text}");
    assert!(
        text.contains("content/SYS-2.md:2:1: error[E0201]"),
        "{text}"
    );
}

#[test]
fn gate_exits_2_when_there_is_no_project_or_no_such_baseline() {
    let empty = tempfile::tempdir().expect("tempdir");
    let out = gate(empty.path(), &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not a tracebook project"),
        "{}",
        stderr(&out)
    );

    let project = defaults_project("pump::alarm");
    let out = gate(project.path(), &["--baseline", "R9"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("there is no baseline `R9`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn gate_with_a_baseline_judges_the_results_committed_at_its_ref() {
    let dir = defaults_project("pump::alarm");
    let root = dir.path();
    let repo = Repository::init(root).expect("git init");
    write(root, "baselines/R1.yaml", "name: R1\nref: v1\n");
    commit_all(&repo, "release 1");
    tag(&repo, "v1");
    // After the release, the case starts failing in the work tree.
    write(
        root,
        "results/ci/junit.xml",
        "<testsuite name=\"pump\">\n  <testcase classname=\"pump\" name=\"alarm\"><failure message=\"late\"/></testcase>\n</testsuite>\n",
    );
    let now = gate(root, &[]);
    assert_eq!(code(&now), 1, "{}", stdout(&now));
    let released = gate(root, &["--baseline", "R1"]);
    assert_eq!(
        code(&released),
        0,
        "{}{}",
        stdout(&released),
        stderr(&released)
    );
    assert!(
        stdout(&released).contains("(baseline R1 (v1))"),
        "{}",
        stdout(&released)
    );
    let json = gate(root, &["--baseline", "R1", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    let tagged = repo
        .revparse_single("v1^{commit}")
        .expect("v1")
        .id()
        .to_string();
    assert_eq!(json["commit"], tagged.as_str(), "{json}");
    assert_eq!(json["ready"], true);
}

#[test]
fn results_import_copies_the_files_and_writes_the_run() {
    let dir = defaults_project("pump::alarm");
    let root = dir.path();
    let runner = tempfile::tempdir().expect("tempdir");
    let nextest = runner.path().join("junit.xml");
    std::fs::copy(fixture("junit/nextest.xml"), &nextest).expect("copy");
    let pytest = runner.path().join("sub");
    std::fs::create_dir(&pytest).expect("mkdir");
    std::fs::copy(fixture("junit/pytest.xml"), pytest.join("junit.xml")).expect("copy");
    let out = tracebook(&[
        "results",
        "import",
        path(&nextest),
        path(&pytest.join("junit.xml")),
        "--run",
        "nightly",
        "--root",
        path(root),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("imported 2 file(s) into results/nightly/"),
        "{}",
        stderr(&out)
    );
    let run = root.join("results/nightly");
    assert_eq!(
        std::fs::read(run.join("junit.xml")).expect("copied"),
        std::fs::read(&nextest).expect("source")
    );
    assert!(run.join("junit-2.xml").is_file(), "same names are numbered");
    let meta = std::fs::read_to_string(run.join("run.yaml")).expect("run.yaml");
    assert!(meta.contains("run: \"nightly\""), "{meta}");
    assert!(
        meta.contains("files: [\"junit.xml\", \"junit-2.xml\"]"),
        "{meta}"
    );
    assert!(meta.contains("commit: null"), "not in git: {meta}");
    let imported = meta
        .lines()
        .find(|l| l.starts_with("imported: "))
        .expect("imported");
    assert_eq!(
        imported.len(),
        "imported: 2026-11-27T10:00:00Z".len(),
        "{imported}"
    );
    // The project reads the run back: no problem from the new files.
    let check = tracebook(&["check", path(root), "--format", "json"]);
    assert_eq!(code(&check), 0, "{}", stdout(&check));
    assert!(stdout(&check).trim().is_empty(), "{}", stdout(&check));
}

#[test]
fn results_import_refuses_a_malformed_file_and_keeps_the_previous_run() {
    let dir = defaults_project("pump::alarm");
    let root = dir.path();
    let before = tree_snapshot(root);
    let malformed = fixture("junit/malformed.xml");
    let good = fixture("junit/nextest.xml");
    let out = tracebook(&[
        "results",
        "import",
        path(&good),
        path(&malformed),
        "--run",
        "ci",
        "--root",
        path(root),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}:5:", malformed.display())),
        "{err}"
    );
    assert!(err.contains("error[E0501]"), "{err}");
    assert!(err.contains("nothing imported"), "{err}");
    assert_eq!(tree_snapshot(root), before, "nothing written");
}
