//! `tracebook check`: exit codes and the four output formats.

use crate::common::*;

#[test]
fn check_exits_zero_on_own_spec() {
    let root = repo_root();
    let out = tracebook(&["check", root.to_str().expect("utf-8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("0 errors"), "{}", stderr(&out));
}

#[test]
fn check_json_format_one_object_per_line() {
    let dir = fixture("invalid/E0203");
    let out = tracebook(&["check", dir.to_str().expect("utf-8"), "--format", "json"]);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&stdout(&out));
    assert_eq!(lines.len(), 1);
    let d = &lines[0];
    for key in [
        "file", "line", "column", "severity", "code", "message", "hint",
    ] {
        assert!(d.get(key).is_some(), "missing {key} in {d}");
    }
    assert_eq!(d["code"], "E0203");
    assert_eq!(d["hint"], "did you mean STK-001?");
    assert!(d["line"].as_u64().expect("line") > 1);
}

#[test]
fn check_github_format_annotations() {
    let dir = fixture("invalid/E0203");
    let out = tracebook(&["check", dir.to_str().expect("utf-8"), "--format", "github"]);
    let text = stdout(&out);
    let line = text.lines().next().expect("one annotation");
    assert!(line.starts_with("::error file=content/"), "{line}");
    assert!(line.contains(",line=") && line.contains(",col="), "{line}");
    assert!(line.contains("title=tracebook E0203::"), "{line}");
    let warn = fixture("invalid/E0402");
    let out = tracebook(&["check", warn.to_str().expect("utf-8"), "--format", "github"]);
    assert!(
        stdout(&out).starts_with("::warning file="),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_sarif_format_is_valid_sarif() {
    let dir = fixture("invalid/E0204");
    let out = tracebook(&["check", dir.to_str().expect("utf-8"), "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "tracebook");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    let result = &results[0];
    assert_eq!(result["ruleId"], "E0204");
    assert_eq!(result["level"], "error");
    let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(
        rules[index]["id"], "E0204",
        "ruleIndex must point at the rule"
    );
    let location = &result["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .starts_with("content/")
    );
    assert!(location["region"]["startLine"].as_u64().expect("startLine") >= 1);
}

#[test]
fn deny_warnings_fails_on_warning() {
    let dir = fixture("invalid/E0402");
    let path = dir.to_str().expect("utf-8");
    assert_eq!(code(&tracebook(&["check", path])), 0);
    assert_eq!(code(&tracebook(&["check", path, "--deny", "warnings"])), 1);
    let site = tempfile::tempdir().expect("tempdir");
    let out = site.path().join("public");
    let built = tracebook(&[
        "build",
        path,
        "--out",
        out.to_str().expect("utf-8"),
        "--deny",
        "warnings",
    ]);
    assert_eq!(code(&built), 1);
    assert!(
        !out.exists(),
        "nothing may be published under --deny warnings"
    );
}

#[test]
fn reports_every_bad_file_in_one_run() {
    let project = copy_fixture("valid/minimal");
    let content = project.path().join("content");
    std::fs::write(
        content.join("broken.md"),
        "---\nid: BAD-1\nkind: need\ntitle: [unclosed\n---\n",
    )
    .expect("write");
    std::fs::write(
        content.join("nokind.md"),
        "---\nid: BAD-2\nkind: nope\ntitle: T\n---\n",
    )
    .expect("write");
    std::fs::write(content.join("plain.md"), "no front matter\n").expect("write");
    let out = tracebook(&[
        "check",
        project.path().to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1);
    let found: Vec<(String, String)> = json_lines(&stdout(&out))
        .iter()
        .map(|d| {
            (
                d["file"].as_str().expect("file").to_owned(),
                d["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect();
    for expected in [
        ("content/broken.md", "E0001"),
        ("content/nokind.md", "E0205"),
        ("content/plain.md", "E0002"),
    ] {
        assert!(
            found
                .iter()
                .any(|(f, c)| f == expected.0 && c == expected.1),
            "{expected:?} not in {found:?}"
        );
    }
}

#[test]
fn missing_project_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tracebook(&["check", dir.path().to_str().expect("utf-8")]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("tracebook init"), "{}", stderr(&out));
}
