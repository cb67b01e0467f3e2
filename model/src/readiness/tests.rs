//! Each readiness check, holding and not holding, on small in-memory projects.

use super::{Check, evaluate};
use crate::project::Project;

const JUNIT: &str = r#"<testsuite name="pump">
  <testcase classname="pump" name="caps_bolus"/>
  <testcase classname="pump" name="occlusion"><failure message="alarm after 31 s"/></testcase>
</testsuite>
"#;

fn config(readiness: &str) -> String {
    format!(
        r#"project: readiness
kinds:
  requirement:  {{ prefix: SYS, title: Requirement, fields: {{ kind_of: {{ type: string }} }} }}
  verification: {{ prefix: VER, title: Verification }}
  hazard:       {{ prefix: HAZ, title: Hazard }}
  change:       {{ prefix: CR, title: Change request, statuses: [open, closed],
                  fields: {{ severity: {{ type: enum, values: [minor, critical] }} }} }}
links:
  verifies:  {{ from: [verification], to: [requirement] }}
  mitigates: {{ from: [requirement], to: [hazard] }}
  derives_from: {{ from: [requirement], to: [requirement] }}
rules:
  - {{ kind: hazard, needs_incoming: mitigates, severity: warning }}
readiness:
{readiness}"#
    )
}

fn item(id: &str, kind: &str, extra: &str) -> String {
    format!("---\nid: {id}\nkind: {kind}\ntitle: {kind} {id}\n{extra}---\n")
}

/// A project where SYS-1 passes, SYS-2 fails, SYS-3 has no evidence; HAZ-1 is mitigated by
/// SYS-1, HAZ-2 only by SYS-2, HAZ-3 by nothing.
fn project(readiness: &str, extra: &[(&str, String)]) -> Project {
    let mut files: Vec<(String, String)> = vec![
        ("tracebook.yaml".into(), config(readiness)),
        ("results/ci/junit.xml".into(), JUNIT.into()),
        (
            "content/SYS-1.md".into(),
            item(
                "SYS-1",
                "requirement",
                "status: approved\nlinks: { mitigates: [HAZ-1] }\n",
            ),
        ),
        (
            "content/SYS-2.md".into(),
            item(
                "SYS-2",
                "requirement",
                "status: approved\nlinks: { mitigates: [HAZ-2] }\n",
            ),
        ),
        (
            "content/SYS-3.md".into(),
            item("SYS-3", "requirement", "status: draft\n"),
        ),
        (
            "content/VER-1.md".into(),
            item(
                "VER-1",
                "verification",
                "links: { verifies: [SYS-1] }\nresults: [{ case: pump::caps_bolus }]\n",
            ),
        ),
        (
            "content/VER-2.md".into(),
            item(
                "VER-2",
                "verification",
                "links: { verifies: [SYS-2] }\nresults: [{ case: pump::occlusion }]\n",
            ),
        ),
        ("content/HAZ-1.md".into(), item("HAZ-1", "hazard", "")),
        ("content/HAZ-2.md".into(), item("HAZ-2", "hazard", "")),
    ];
    // An extra file replaces the one at the same path.
    for (path, text) in extra {
        files.retain(|(p, _)| p != path);
        files.push(((*path).to_owned(), text.clone()));
    }
    Project::from_memory(files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())))
}

/// (passed, ids of the failing items) of the only rule.
fn only_rule(p: &Project) -> (bool, Vec<String>) {
    let readiness = evaluate(p);
    assert!(readiness.configured);
    assert_eq!(readiness.rules.len(), 1);
    let rule = &readiness.rules[0];
    assert_eq!(rule.passed, rule.failures.is_empty());
    let ids = rule.failures.iter().filter_map(|f| f.id.clone()).collect();
    (rule.passed, ids)
}

#[test]
fn the_defaults_are_no_errors_and_complete_evidence() {
    let p = project("", &[]);
    let readiness = evaluate(&p);
    assert!(!readiness.configured);
    let labels: Vec<&str> = readiness.rules.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "No errors",
            "No verification whose evidence failed or is missing"
        ]
    );
    assert!(readiness.rules[0].passed);
    assert!(!readiness.rules[1].passed);
    assert_eq!(readiness.rules[1].failures[0].id.as_deref(), Some("VER-2"));
    assert!(
        readiness.rules[1].failures[0]
            .message
            .contains("alarm after 31 s"),
        "{:?}",
        readiness.rules[1].failures
    );
    assert!(!readiness.ready());
}

#[test]
fn verified_holds_only_when_every_chosen_item_has_passing_evidence() {
    let all = project("  - { check: verified, kinds: [requirement] }\n", &[]);
    assert_eq!(
        only_rule(&all),
        (false, vec!["SYS-2".into(), "SYS-3".into()])
    );
    let approved = project(
        "  - { check: verified, kinds: [requirement], statuses: [approved] }\n",
        &[],
    );
    assert_eq!(only_rule(&approved), (false, vec!["SYS-2".into()]));
    let message = &evaluate(&approved).rules[0].failures[0].message;
    assert_eq!(message, "evidence failed (VER-2)");
    let fixed = project(
        "  - { check: verified, kinds: [requirement], statuses: [approved] }\n",
        &[(
            "content/VER-2.md",
            item(
                "VER-2",
                "verification",
                "links: { verifies: [SYS-2] }\nresults: [{ case: pump::caps_bolus }]\n",
            ),
        )],
    );
    assert_eq!(only_rule(&fixed), (true, vec![]));
}

#[test]
fn mitigated_needs_a_mitigation_whose_evidence_passed() {
    let p = project(
        "  - { check: mitigated, kinds: [hazard], link: mitigates }\n",
        &[("content/HAZ-3.md", item("HAZ-3", "hazard", ""))],
    );
    assert_eq!(only_rule(&p), (false, vec!["HAZ-2".into(), "HAZ-3".into()]));
    let failures = &evaluate(&p).rules[0].failures;
    assert_eq!(
        failures[0].message,
        "no mitigation is verified (SYS-2: evidence failed (VER-2))"
    );
    assert_eq!(failures[1].message, "no mitigates link points at it");
    let holds = project(
        "  - { check: mitigated, kinds: [hazard], link: mitigates }\n",
        &[
            (
                "content/SYS-2.md",
                item(
                    "SYS-2",
                    "requirement",
                    "status: approved\nlinks: { mitigates: [HAZ-1] }\n",
                ),
            ),
            (
                "content/HAZ-2.md",
                item("HAZ-2", "hazard", "status: obsolete\n"),
            ),
        ],
    );
    assert_eq!(only_rule(&holds), (true, vec![]));
}

#[test]
fn evidence_complete_fails_on_failed_or_missing_evidence_only() {
    let rule = "  - { check: evidence_complete }\n";
    assert_eq!(
        only_rule(&project(rule, &[])),
        (false, vec!["VER-2".into()])
    );
    let missing = project(
        rule,
        &[
            (
                "content/VER-2.md",
                item(
                    "VER-2",
                    "verification",
                    "links: { verifies: [SYS-2] }\nresults: [{ case: pump::caps_bolus }]\n",
                ),
            ),
            (
                "content/VER-3.md",
                item(
                    "VER-3",
                    "verification",
                    "results: [{ junit: results/ci/other.xml, case: x }]\n",
                ),
            ),
        ],
    );
    assert_eq!(only_rule(&missing), (false, vec!["VER-3".into()]));
    let holds = project(
        rule,
        &[(
            "content/VER-2.md",
            item(
                "VER-2",
                "verification",
                "links: { verifies: [SYS-2] }\nresults: [{ case: pump::caps_bolus }]\n",
            ),
        )],
    );
    assert_eq!(only_rule(&holds), (true, vec![]));
}

#[test]
fn no_errors_and_no_warnings_follow_the_diagnostics() {
    let broken = [(
        "content/SYS-9.md",
        item(
            "SYS-9",
            "requirement",
            "links: { derives_from: [SYS-404] }\n",
        ),
    )];
    let (passed, _) = only_rule(&project("  - { check: no_errors }\n", &broken));
    assert!(!passed);
    let readiness = evaluate(&project("  - { check: no_errors }\n", &broken));
    assert!(readiness.rules[0].failures[0].message.contains("E0203"));
    assert_eq!(
        readiness.rules[0].failures[0].location.as_deref(),
        Some("content/SYS-9.md:5:25")
    );
    let fixed = project(
        "  - { check: no_errors }\n",
        &[(
            "content/VER-2.md",
            item("VER-2", "verification", "links: { verifies: [SYS-2] }\n"),
        )],
    );
    assert_eq!(only_rule(&fixed), (true, vec![]));
    // The failing verification is a warning: no_errors holds, no_warnings does not.
    assert!(only_rule(&project("  - { check: no_errors }\n", &[])).0);
    assert!(!only_rule(&project("  - { check: no_warnings }\n", &[])).0);
}

#[test]
fn no_suspect_links_fails_on_a_link_whose_target_changed_since_review() {
    let rule = "  - { check: no_suspect_links }\n";
    assert!(only_rule(&project(rule, &[])).0);
    let suspect = project(
        rule,
        &[(
            "content/SYS-4.md",
            item(
                "SYS-4",
                "requirement",
                "links: { derives_from: [{ id: SYS-1, reviewed: 00000000 }] }\n",
            ),
        )],
    );
    let readiness = evaluate(&suspect);
    assert!(!readiness.rules[0].passed);
    assert!(readiness.rules[0].failures[0].message.contains("E0402"));
}

#[test]
fn covered_fails_while_a_coverage_rule_is_not_met() {
    let rule = "  - { check: covered }\n";
    assert!(only_rule(&project(rule, &[])).0);
    let uncovered = project(rule, &[("content/HAZ-3.md", item("HAZ-3", "hazard", ""))]);
    assert_eq!(only_rule(&uncovered), (false, vec!["HAZ-3".into()]));
}

#[test]
fn no_items_matches_kind_status_and_field_values() {
    let rule = "  - { check: no_items, kinds: [change], statuses: [open], fields: { severity: [critical] }, title: No open critical change requests }\n";
    let minor = [(
        "content/CR-1.md",
        item("CR-1", "change", "status: open\nseverity: minor\n"),
    )];
    assert_eq!(only_rule(&project(rule, &minor)), (true, vec![]));
    let closed = [(
        "content/CR-1.md",
        item("CR-1", "change", "status: closed\nseverity: critical\n"),
    )];
    assert_eq!(only_rule(&project(rule, &closed)), (true, vec![]));
    let open = [(
        "content/CR-1.md",
        item("CR-1", "change", "status: open\nseverity: critical\n"),
    )];
    let p = project(rule, &open);
    assert_eq!(only_rule(&p), (false, vec!["CR-1".into()]));
    assert_eq!(
        evaluate(&p).rules[0].label,
        "No open critical change requests"
    );
}

#[test]
fn rules_are_parsed_with_their_labels_and_bad_rules_are_located_errors() {
    let p = project(
        "  - { check: verified, kinds: [requirement], statuses: [approved] }\n  - { check: mitigated, kinds: [hazard], link: mitigates }\n  - { check: no_items, kinds: [change], statuses: [open] }\n",
        &[],
    );
    let labels: Vec<String> = evaluate(&p).rules.iter().map(|r| r.label.clone()).collect();
    assert_eq!(
        labels,
        [
            "Every approved requirement is verified by passing evidence",
            "Every hazard has a mitigates link from an item whose evidence passed",
            "No change with status open",
        ]
    );
    assert_eq!(
        p.config.readiness[0].check,
        Check::Verified {
            kinds: vec!["requirement".into()],
            statuses: vec!["approved".into()],
        }
    );
    let bad = project(
        "  - { check: verifed, kinds: [requirement] }\n  - { check: mitigated, kinds: [hazard] }\n  - { check: verified, kinds: [requirment] }\n  - { kinds: [hazard] }\n",
        &[],
    );
    let problems: Vec<String> = bad
        .diagnostics
        .iter()
        .filter(|d| d.span.file.as_ref() == "tracebook.yaml")
        .map(|d| format!("{} {} {}", d.span, d.code, d.message))
        .collect();
    assert_eq!(
        problems,
        [
            "tracebook.yaml:15:14 E0102 unknown readiness check `verifed`",
            "tracebook.yaml:16:5 E0102 readiness check `mitigated` needs `link:`",
            "tracebook.yaml:17:32 E0103 readiness rule names unknown kind `requirment`",
            "tracebook.yaml:18:5 E0102 a readiness rule needs `check:`",
        ],
        "{problems:#?}"
    );
}
