//! `tracebook init --template lifecycle`: the whole-lifecycle template with its worked example
//! (the IP-200 infusion pump), and the starter that `init` still writes by default.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::*;

/// Every kind of the lifecycle template, one (or two) per area of its `areas:`.
const LIFECYCLE_KINDS: [&str; 12] = [
    "programme",
    "scope",
    "need",
    "element",
    "interface",
    "requirement",
    "verification",
    "validation",
    "hazard",
    "safety_claim",
    "change",
    "readiness_check",
];

/// `tracebook init DIR ARGS...` into a fresh folder; asserts it succeeded.
#[track_caller]
fn init_into(root: &Path, args: &[&str]) -> String {
    let path = root.to_str().expect("utf-8");
    let mut all = vec!["init", path];
    all.extend_from_slice(args);
    let out = tracebook(&all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stderr(&out)
}

/// The kinds under each `areas:` entry of a project's tracebook.yaml, in order.
fn area_kinds(root: &Path) -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(root.join("tracebook.yaml")).expect("read");
    let config: serde_json::Value = serde_saphyr::from_str(&text).expect("tracebook.yaml is YAML");
    config["areas"]
        .as_array()
        .expect("areas: is a list")
        .iter()
        .map(|area| {
            let title = area["title"].as_str().expect("area title").to_owned();
            let kinds = area["kinds"]
                .as_array()
                .map(|kinds| {
                    kinds
                        .iter()
                        .map(|k| k.as_str().expect("kind").to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (title, kinds)
        })
        .collect()
}

#[test]
fn init_lifecycle_creates_a_project_that_check_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("ip200");
    let path = root.to_str().expect("utf-8");
    let said = init_into(&root, &["--template", "lifecycle"]);
    assert!(said.contains("lifecycle template"), "{said}");
    for file in [
        "tracebook.yaml",
        ".gitignore",
        "results/bench/junit.xml",
        "results/bench/run.yaml",
        "results/hil/junit.xml",
        "results/hil/run.yaml",
    ] {
        assert!(root.join(file).is_file(), "{file} missing");
    }
    // No baseline: a baseline names a git ref, and init does not create a repository.
    assert!(!root.join("baselines").exists());

    let out = tracebook(&["check", path, "--format", "json"]);
    let problems = json_lines(&stdout(&out));
    let errors: Vec<_> = problems
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "errors: {errors:#?}");
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // Every area's kinds are declared and have items in the worked example.
    let areas = area_kinds(&root);
    let in_areas: BTreeSet<&str> = areas
        .iter()
        .flat_map(|(_, kinds)| kinds.iter().map(String::as_str))
        .collect();
    assert_eq!(in_areas, BTreeSet::from(LIFECYCLE_KINDS), "{areas:?}");
    let export = tracebook(&["export", path, "--format", "json"]);
    assert_eq!(code(&export), 0, "{}", stderr(&export));
    let model: serde_json::Value = serde_json::from_str(&stdout(&export)).expect("JSON");
    let items = model["items"].as_array().expect("items");
    let with_items: BTreeSet<&str> = items
        .iter()
        .map(|i| i["kind"].as_str().expect("kind"))
        .collect();
    for (title, kinds) in &areas {
        for kind in kinds {
            assert!(
                with_items.contains(kind.as_str()),
                "area {title}: no item of kind {kind}"
            );
        }
    }
    assert!(
        (25..=45).contains(&items.len()),
        "a small worked example, not {} items",
        items.len()
    );

    let built = tracebook(&["build", path]);
    assert_eq!(code(&built), 0, "{}", stderr(&built));
    assert!(root.join("public/index.html").is_file());
}

#[test]
fn init_lifecycle_refuses_to_overwrite_a_project() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(root.join("tracebook.yaml"), "project: mine\n").expect("write");
    let out = tracebook(&[
        "init",
        root.to_str().expect("utf-8"),
        "--template",
        "lifecycle",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("never overwrites"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        tree_snapshot(root),
        [("tracebook.yaml".into(), b"project: mine\n".to_vec())]
    );
}

#[test]
fn init_starter_is_unchanged_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let default = dir.path().join("default");
    let said = init_into(&default, &[]);
    assert!(said.contains("starter template"), "{said}");
    let starter = dir.path().join("starter");
    init_into(&starter, &["--template", "starter"]);
    let files = tree_snapshot(&default);
    assert_eq!(files, tree_snapshot(&starter));
    let repo = repo_root().join("src/templates/starter");
    let mut expected = tree_snapshot(&repo);
    expected.push((
        ".gitignore".into(),
        b"/public\n/.public.*\n/.tracebook\n".to_vec(),
    ));
    expected.sort();
    assert_eq!(files, expected);
    assert!(!default.join("results").exists());
}
