//! Verdicts per entry and the roll-up through evidence links, on in-memory projects.

use super::Verdict;
use crate::diagnostic::codes;
use crate::project::Project;

const CONFIG: &str = r#"
project: evidence
kinds:
  requirement:  { prefix: SYS, title: Requirement }
  verification: { prefix: VER, title: Verification }
links:
  verifies: { from: [verification], to: [requirement] }
"#;

const JUNIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run">
  <testsuite name="pump">
    <testcase name="dose::caps_bolus" classname="pump" time="0.010"/>
    <testcase name="alarm::occlusion" classname="pump" time="0.020">
      <failure type="test failure">alarm after 31 s, limit 30 s</failure>
    </testcase>
    <testcase name="battery::low_warning" classname="pump">
      <skipped message="needs the rig"/>
    </testcase>
    <testcase name="alarm::free_flow" classname="pump" time="0.001"/>
  </testsuite>
</testsuites>
"#;

fn requirement(id: &str) -> String {
    format!("---\nid: {id}\nkind: requirement\ntitle: Requirement {id}\n---\n")
}

fn verification(id: &str, targets: &[&str], results: &str) -> String {
    format!(
        "---\nid: {id}\nkind: verification\ntitle: Test {id}\nlinks: {{ verifies: [{}] }}\nresults:\n{results}---\n",
        targets.join(", ")
    )
}

fn project(extra: &[(&str, String)]) -> Project {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("tracebook.yaml".into(), CONFIG.as_bytes().to_vec()),
        ("results/ci/junit.xml".into(), JUNIT.as_bytes().to_vec()),
    ];
    files.extend(
        extra
            .iter()
            .map(|(path, text)| ((*path).to_owned(), text.as_bytes().to_vec())),
    );
    Project::from_memory(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
}

fn status(project: &Project, id: &str) -> Verdict {
    let i = project.index_of(id).expect(id);
    project.evidence.items[i].status
}

fn codes_of(project: &Project) -> Vec<&'static str> {
    project.diagnostics.iter().map(|d| d.code.0).collect()
}

#[test]
fn each_entry_gets_the_verdict_of_its_case() {
    let p = project(&[
        ("content/SYS-1.md", requirement("SYS-1")),
        (
            "content/VER-1.md",
            verification(
                "VER-1",
                &["SYS-1"],
                "  - { junit: results/ci/junit.xml, case: \"pump::dose::caps_bolus\" }\n",
            ),
        ),
        (
            "content/VER-2.md",
            verification("VER-2", &["SYS-1"], "  - { case: alarm::occlusion }\n"),
        ),
        (
            "content/VER-3.md",
            verification(
                "VER-3",
                &["SYS-1"],
                "  - { case: \"pump::battery::low_warning\" }\n",
            ),
        ),
        (
            "content/VER-4.md",
            verification(
                "VER-4",
                &["SYS-1"],
                "  - { case: \"pump::no_such_test\" }\n",
            ),
        ),
    ]);
    assert_eq!(status(&p, "VER-1"), Verdict::Passed);
    assert_eq!(status(&p, "VER-2"), Verdict::Failed);
    assert_eq!(status(&p, "VER-3"), Verdict::Skipped);
    assert_eq!(status(&p, "VER-4"), Verdict::Missing);
    let failed = &p.evidence.items[p.index_of("VER-2").unwrap()].entries[0];
    assert_eq!(
        failed.note,
        "pump::alarm::occlusion: alarm after 31 s, limit 30 s"
    );
    assert_eq!(&*failed.cases[0].file, "results/ci/junit.xml");
    assert_eq!(failed.cases[0].line, 5);
    let missing = &p.evidence.items[p.index_of("VER-4").unwrap()].entries[0];
    assert_eq!(
        missing.note,
        "no test case matches `pump::no_such_test` in any results file"
    );
    // A failed and a missing entry are warnings at the entry; the skipped one is not a problem.
    let mut found = codes_of(&p);
    found.sort_unstable();
    assert_eq!(found, [codes::EVIDENCE_FAILED.0, codes::EVIDENCE_MISSING.0]);
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == codes::EVIDENCE_FAILED)
        .unwrap();
    assert_eq!(d.span.to_string(), "content/VER-2.md:7:5");
    assert!(!d.is_error());
}

#[test]
fn a_requirement_with_one_passing_and_one_failing_verification_is_failed() {
    let p = project(&[
        ("content/SYS-1.md", requirement("SYS-1")),
        ("content/SYS-2.md", requirement("SYS-2")),
        ("content/SYS-3.md", requirement("SYS-3")),
        (
            "content/VER-1.md",
            verification(
                "VER-1",
                &["SYS-1", "SYS-2"],
                "  - { case: \"pump::dose::caps_bolus\" }\n",
            ),
        ),
        (
            "content/VER-2.md",
            verification(
                "VER-2",
                &["SYS-1"],
                "  - { case: \"pump::alarm::occlusion\" }\n",
            ),
        ),
    ]);
    assert_eq!(status(&p, "SYS-1"), Verdict::Failed);
    assert_eq!(status(&p, "SYS-2"), Verdict::Passed);
    assert_eq!(status(&p, "SYS-3"), Verdict::None, "nothing verifies it");
    let sys1 = &p.evidence.items[p.index_of("SYS-1").unwrap()];
    let from: Vec<(&str, Verdict)> = sys1
        .from
        .iter()
        .map(|(i, v)| (p.items[*i].id.as_str(), *v))
        .collect();
    assert_eq!(
        from,
        [("VER-1", Verdict::Passed), ("VER-2", Verdict::Failed)]
    );
    assert_eq!(sys1.own, Verdict::None);
}

#[test]
fn a_glob_takes_the_worst_of_every_case_it_matches() {
    let p = project(&[
        ("content/SYS-1.md", requirement("SYS-1")),
        (
            "content/VER-1.md",
            verification("VER-1", &["SYS-1"], "  - { case: \"pump::alarm::*\" }\n"),
        ),
        (
            "content/VER-2.md",
            verification("VER-2", &["SYS-1"], "  - { case: \"*::free_flow\" }\n"),
        ),
    ]);
    let ver1 = &p.evidence.items[p.index_of("VER-1").unwrap()];
    assert_eq!(ver1.entries[0].cases.len(), 2);
    assert_eq!(ver1.own, Verdict::Failed);
    assert_eq!(status(&p, "VER-2"), Verdict::Passed);
}

#[test]
fn a_named_file_that_does_not_exist_or_cannot_be_read_is_missing_evidence() {
    let p = project(&[
        ("content/SYS-1.md", requirement("SYS-1")),
        (
            "content/VER-1.md",
            verification(
                "VER-1",
                &["SYS-1"],
                "  - { junit: results/nightly/junit.xml, case: x }\n",
            ),
        ),
        (
            "results/broken/junit.xml",
            "<testsuite><testcase name=\"a\">".to_owned(),
        ),
        (
            "content/VER-2.md",
            verification(
                "VER-2",
                &["SYS-1"],
                "  - { junit: results/broken/junit.xml, case: a }\n",
            ),
        ),
    ]);
    let note = |id: &str| {
        p.evidence.items[p.index_of(id).unwrap()].entries[0]
            .note
            .clone()
    };
    assert_eq!(status(&p, "VER-1"), Verdict::Missing);
    assert_eq!(note("VER-1"), "results/nightly/junit.xml does not exist");
    assert_eq!(status(&p, "VER-2"), Verdict::Missing);
    assert_eq!(note("VER-2"), "results/broken/junit.xml could not be read");
    let malformed = p
        .diagnostics
        .iter()
        .find(|d| d.code == codes::RESULTS_MALFORMED)
        .expect("the broken file is reported");
    assert_eq!(&*malformed.span.file, "results/broken/junit.xml");
    assert!(malformed.is_error());
}

#[test]
fn malformed_entries_are_errors_at_their_position() {
    let p = project(&[
        ("content/SYS-1.md", requirement("SYS-1")),
        (
            "content/VER-1.md",
            verification(
                "VER-1",
                &["SYS-1"],
                "  - { junit: ../etc/passwd.xml, case: a }\n  - { junit: results/ci/junit.xml }\n  - just-a-name\n  - { case: \"[\" }\n  - { case: a, file: b }\n",
            ),
        ),
    ]);
    let spans: Vec<String> = p
        .diagnostics
        .iter()
        .filter(|d| d.code == codes::RESULTS_ENTRY_INVALID)
        .map(|d| d.span.to_string())
        .collect();
    assert_eq!(
        spans,
        [
            "content/VER-1.md:7:14",
            "content/VER-1.md:8:5",
            "content/VER-1.md:9:5",
            "content/VER-1.md:10:13",
            "content/VER-1.md:11:16",
        ]
    );
}

#[test]
fn other_link_kinds_carry_evidence_when_configured() {
    let config = CONFIG.replace(
        "links:\n",
        "evidence: { links: [validates] }\nlinks:\n  validates: { from: [verification], to: [requirement] }\n",
    );
    let files = [
        ("tracebook.yaml", config),
        ("results/ci/junit.xml", JUNIT.to_owned()),
        ("content/SYS-1.md", requirement("SYS-1")),
        (
            "content/VER-1.md",
            "---\nid: VER-1\nkind: verification\ntitle: t\nlinks: { validates: [SYS-1] }\nresults: [{ case: \"pump::dose::caps_bolus\" }]\n---\n".to_owned(),
        ),
    ];
    let p = Project::from_memory(files.iter().map(|(p, t)| (*p, t.as_bytes())));
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(status(&p, "SYS-1"), Verdict::Passed);
}
