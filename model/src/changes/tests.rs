use super::*;
use crate::Project;

const CONFIG: &str = "\
project: P
kinds:
  need: { prefix: STK, title: Stakeholder need }
  requirement:
    prefix: SYS
    title: System requirement
    fields: { priority: { type: enum, values: [low, high] }, rationale: { type: string } }
  verification: { prefix: VER, title: Verification case }
links:
  derives_from: { from: [requirement], to: [need, requirement], acyclic: true }
  verifies: { from: [verification], to: [requirement] }
  relates: { from: [need, requirement], to: [need, requirement] }
rules:
  - { kind: requirement, needs_incoming: verifies }
  - { kind: need, needs_incoming: derives_from }
";

/// An item file: front matter lines after `id`, then the body.
fn md(id: &str, front: &str, body: &str) -> String {
    let kind = match id.split('-').next() {
        Some("STK") => "need",
        Some("SYS") => "requirement",
        _ => "verification",
    };
    format!("---\nid: {id}\nkind: {kind}\ntitle: Title of {id}\n{front}---\n{body}")
}

/// A project of `tracebook.yaml` = `config` and `(path, text)` item files.
fn project_with(config: &str, files: &[(&str, String)]) -> Project {
    let mut inputs: Vec<(&str, &[u8])> = vec![("tracebook.yaml", config.as_bytes())];
    inputs.extend(files.iter().map(|(path, text)| (*path, text.as_bytes())));
    let project = Project::from_memory(inputs);
    assert_eq!(project.counts().errors, 0, "{:?}", project.diagnostics);
    project
}

fn project(files: &[(&str, String)]) -> Project {
    project_with(CONFIG, files)
}

fn ids(summaries: &[ItemSummary]) -> Vec<&str> {
    summaries.iter().map(|s| s.id.as_str()).collect()
}

/// The one modified item of `old` → `new`.
fn only_change(old: &Project, new: &Project) -> ItemChange {
    let set = diff(old, new);
    assert_eq!(set.len(), 1, "{set:?}");
    set.modified.into_iter().next().expect("one modified item")
}

#[test]
fn lists_added_removed_and_modified_items_in_kind_order() {
    let old = project(&[
        ("content/stk1.md", md("STK-1", "", "")),
        ("content/sys2.md", md("SYS-2", "", "")),
        ("content/sys10.md", md("SYS-10", "", "")),
        ("content/ver1.md", md("VER-1", "", "")),
    ]);
    let new = project(&[
        ("content/stk1.md", md("STK-1", "", "")),
        ("content/stk2.md", md("STK-2", "", "")),
        ("content/sys2.md", md("SYS-2", "", "Now with a body.\n")),
        (
            "content/sys10b.md",
            md("SYS-10", "", "").replace("SYS-10", "SYS-9"),
        ),
        ("content/sys11.md", md("SYS-11", "", "")),
        ("content/ver1.md", md("VER-1", "status: review\n", "")),
    ]);
    let set = diff(&old, &new);
    assert_eq!(ids(&set.added), ["STK-2", "SYS-9", "SYS-11"]);
    assert_eq!(ids(&set.removed), ["SYS-10"]);
    let modified: Vec<_> = set.modified.iter().map(|c| c.item.id.as_str()).collect();
    assert_eq!(modified, ["SYS-2", "VER-1"]);
    assert_eq!(set.len(), 6);
    assert!(diff(&new, &new).is_empty());
}

#[test]
fn lists_field_changes_in_fixed_order() {
    let old = project(&[
        ("content/stk.md", md("STK-1", "", "")),
        ("content/stk2.md", md("STK-2", "", "")),
        (
            "content/sys.md",
            md(
                "SYS-1",
                "status: draft\ntags: [safety]\nlinks:\n  derives_from: [STK-1]\npriority: low\nrationale: IEC 60601\n",
                "",
            ),
        ),
    ]);
    let new = project(&[
        ("content/stk.md", md("STK-1", "", "")),
        ("content/stk2.md", md("STK-2", "", "")),
        (
            "content/sys.md",
            md(
                "SYS-1",
                "status: review\ntags: [safety, alarms]\nlinks:\n  derives_from: [STK-1, STK-2]\npriority: high\n",
                "",
            )
            .replace("Title of SYS-1", "Occlusion alarm"),
        ),
    ]);
    let change = only_change(&old, &new);
    let fields: Vec<_> = change
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.old.as_deref(), f.new.as_deref()))
        .collect();
    assert_eq!(
        fields,
        [
            ("title", Some("Title of SYS-1"), Some("Occlusion alarm")),
            ("status", Some("draft"), Some("review")),
            ("tags", Some("safety"), Some("safety, alarms")),
            ("links.derives_from", Some("STK-1"), Some("STK-1, STK-2")),
            ("priority", Some("low"), Some("high")),
            ("rationale", Some("IEC 60601"), None),
        ]
    );
    let removed = &change.fields[5].words;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].op, DiffOp::Delete);
    assert!(change.body.is_none());
    assert!(change.moved_from.is_none());
    assert_ne!(change.old_fingerprint, change.new_fingerprint);
}

#[test]
fn status_only_change_keeps_the_fingerprint() {
    let old = project(&[("content/stk.md", md("STK-1", "status: draft\n", "Text.\n"))]);
    let new = project(&[(
        "content/stk.md",
        md("STK-1", "status: approved\n", "Text.\n"),
    )]);
    let change = only_change(&old, &new);
    assert_eq!(change.fields.len(), 1);
    assert_eq!(change.fields[0].name, "status");
    assert_eq!(change.old_fingerprint, change.new_fingerprint);
    assert!(change.body.is_none());
}

#[test]
fn renders_links_with_review_stamp_and_ignores_reordering() {
    let stk = [
        ("content/stk1.md", md("STK-1", "", "")),
        ("content/stk2.md", md("STK-2", "", "")),
    ];
    let with = |front: &str| {
        let mut files = stk.to_vec();
        files.push(("content/sys.md", md("SYS-1", front, "")));
        project(&files)
    };
    let old = with("tags: [a, b]\nlinks:\n  derives_from: [STK-1, STK-2]\n");
    let reordered = with("tags: [b, a]\nlinks:\n  derives_from: [STK-2, STK-1]\n");
    assert!(diff(&old, &reordered).is_empty());
    let stamp = "links:\n  derives_from: [STK-1, { id: STK-2, reviewed: abcd1234 }]\n";
    let change = only_change(&old, &with(stamp));
    assert_eq!(change.fields.len(), 2, "{:?}", change.fields);
    assert_eq!(change.fields[0].name, "tags");
    assert_eq!(change.fields[0].new, None);
    let links = &change.fields[1];
    assert_eq!(links.name, "links.derives_from");
    assert_eq!(
        links.new.as_deref(),
        Some("STK-1, STK-2 (reviewed abcd1234)")
    );
}

#[test]
fn moved_item_has_moved_from_and_no_field_changes() {
    let old = project(&[("content/a/stk.md", md("STK-1", "", "Same.\n"))]);
    let new = project(&[("content/b/stk.md", md("STK-1", "", "Same.\n"))]);
    let change = only_change(&old, &new);
    assert_eq!(change.moved_from.as_deref(), Some("content/a/stk.md"));
    assert_eq!(&*change.item.file, "content/b/stk.md");
    assert!(change.fields.is_empty());
    assert!(change.body.is_none());
    assert_eq!(change.old_fingerprint, change.new_fingerprint);
}

#[test]
fn body_change_gives_a_word_diff() {
    let body = "The pump shall alarm within 30 s.\n";
    let old = project(&[("content/stk.md", md("STK-1", "", body))]);
    let new = project(&[("content/stk.md", md("STK-1", "", &body.replace("30", "10")))]);
    let change = only_change(&old, &new);
    assert!(change.fields.is_empty());
    let segments = change.body.expect("body diff");
    let changed: Vec<_> = segments
        .iter()
        .filter(|s| s.op != DiffOp::Equal)
        .map(|s| (s.op, s.text.as_str()))
        .collect();
    assert_eq!(changed, [(DiffOp::Delete, "30"), (DiffOp::Insert, "10")]);
    // Line endings and trailing blanks are not content (as for the fingerprint).
    let crlf = project(&[(
        "content/stk.md",
        md("STK-1", "", &body.replace('\n', "  \r\n")),
    )]);
    assert!(diff(&old, &crlf).is_empty());
}

/// STK-1 <- SYS-1 <- SYS-2 <- VER-1 (the chain) plus VER-2 -> SYS-1 and SYS-3 -> STK-1 (side
/// branches) and STK-2 (unrelated).
fn chain() -> Project {
    project(&[
        ("content/stk1.md", md("STK-1", "", "")),
        ("content/stk2.md", md("STK-2", "", "")),
        (
            "content/sys1.md",
            md("SYS-1", "links: { derives_from: [STK-1] }\n", ""),
        ),
        (
            "content/sys2.md",
            md("SYS-2", "links: { derives_from: [SYS-1] }\n", ""),
        ),
        (
            "content/sys3.md",
            md("SYS-3", "links: { derives_from: [STK-1] }\n", ""),
        ),
        (
            "content/ver1.md",
            md("VER-1", "links: { verifies: [SYS-2] }\n", ""),
        ),
        (
            "content/ver2.md",
            md("VER-2", "links: { verifies: [SYS-1] }\n", ""),
        ),
    ])
}

/// An impacted item as (id, distance, via).
type Row<'a> = (&'a str, usize, &'a str);

fn groups(impact: &Impact) -> Vec<(&str, Vec<Row<'_>>)> {
    impact
        .groups
        .iter()
        .map(|g| {
            let items = g
                .items
                .iter()
                .map(|i| (i.id.as_str(), i.distance, i.via.as_str()));
            (g.kind.as_str(), items.collect())
        })
        .collect()
}

#[test]
fn impact_follows_reverse_links_transitively() {
    let project = chain();
    let found = impact(&project, &["STK-1", "SYS-2", "STK-2", "GONE-1"]);
    assert_eq!(found.len(), 3, "unknown ids have no entry");
    assert_eq!(found[0].id, "STK-1");
    assert_eq!(
        groups(&found[0]),
        [
            (
                "requirement",
                vec![
                    ("SYS-1", 1, "derives_from"),
                    ("SYS-3", 1, "derives_from"),
                    ("SYS-2", 2, "derives_from"),
                ]
            ),
            (
                "verification",
                vec![("VER-2", 2, "verifies"), ("VER-1", 3, "verifies")]
            ),
        ]
    );
    assert_eq!(found[0].groups[0].title, "System requirement");
    assert_eq!(found[0].count(), 5);
    assert_eq!(
        groups(&found[1]),
        [("verification", vec![("VER-1", 1, "verifies")])]
    );
    assert_eq!(found[2].count(), 0);
    assert!(found.iter().all(|i| i.suspect.is_empty()));
}

#[test]
fn impact_never_lists_the_changed_item_in_a_cycle() {
    let project = project(&[
        (
            "content/a.md",
            md("STK-1", "links: { relates: [STK-2] }\n", ""),
        ),
        (
            "content/b.md",
            md("STK-2", "links: { relates: [STK-1] }\n", ""),
        ),
        (
            "content/c.md",
            md("STK-3", "links: { relates: [STK-2] }\n", ""),
        ),
    ]);
    let found = impact(&project, &["STK-1"]);
    assert_eq!(
        groups(&found[0]),
        [(
            "need",
            vec![("STK-2", 1, "relates"), ("STK-3", 2, "relates")]
        )]
    );
}

#[test]
fn upstream_edit_makes_reviewed_links_suspect() {
    let stk = |body: &str| ("content/stk.md", md("STK-1", "", body));
    let before = project(&[stk("Old text.\n")]);
    let stamp = before.items[0].fingerprint;
    let sys = md(
        "SYS-1",
        &format!("links:\n  derives_from: [{{ id: STK-1, reviewed: {stamp} }}]\n"),
        "",
    );
    let sys_stamp =
        project(&[stk("Old text.\n"), ("content/sys.md", sys.clone())]).items[1].fingerprint;
    let ver = md(
        "VER-1",
        &format!("links:\n  verifies: [{{ id: SYS-1, reviewed: {sys_stamp} }}]\n"),
        "",
    );
    let rest = [("content/sys.md", sys), ("content/ver.md", ver)];
    let old = project(&[&[stk("Old text.\n")][..], &rest].concat());
    let new = project(&[&[stk("New text.\n")][..], &rest].concat());
    let report = ChangeReport::new(side("R1"), &old, side("working tree"), &new);
    assert_eq!(report.changes.modified.len(), 1);
    assert_eq!(report.impact.len(), 1);
    assert_eq!(report.impact[0].id, "STK-1");
    assert_eq!(
        report.impact[0].suspect,
        [SuspectLink {
            source: "SYS-1".to_owned(),
            link: "derives_from".to_owned(),
            target: "STK-1".to_owned(),
        }]
    );
    assert_eq!(report.impacted_count(), 2);
}

fn side(label: &str) -> Side {
    Side {
        label: label.to_owned(),
        commit: None,
    }
}

#[test]
fn report_shows_coverage_before_and_after() {
    let sys = ("content/sys.md", md("SYS-1", "", ""));
    let old = project(std::slice::from_ref(&sys));
    let ver = md("VER-1", "links: { verifies: [SYS-1] }\n", "");
    let extra_rule = format!("{CONFIG}  - {{ kind: verification, needs_outgoing: verifies }}\n");
    let new = project_with(&extra_rule, &[sys, ("content/ver.md", ver)]);
    let report = ChangeReport::new(side("R1"), &old, side("R2"), &new);
    let coverage: Vec<_> = report
        .coverage
        .iter()
        .map(|c| (c.kind.as_str(), c.rule.as_str(), c.before, c.after))
        .collect();
    assert_eq!(
        coverage,
        [
            (
                "requirement",
                "needs_incoming: verifies",
                Some((0, 1)),
                (1, 1)
            ),
            ("need", "needs_incoming: derives_from", Some((0, 0)), (0, 0)),
            ("verification", "needs_outgoing: verifies", None, (1, 1)),
        ]
    );
    // VER-1 was added but nothing links to it: no impact entry.
    assert_eq!(ids(&report.changes.added), ["VER-1"]);
    assert!(report.impact.is_empty());
    assert_eq!(report.impacted_count(), 0);
}
