use super::*;
use crate::Project;

const CONFIG: &str = "\
kinds:
  need: { prefix: STK }
  requirement:
    prefix: SYS
    fields:
      priority: { type: enum, values: [low, medium, high] }
      count: { type: int }
      due: { type: date }
      owner: { type: string, required: true }
links:
  derives_from: { from: [requirement], to: [need] }
";

fn load(files: &[(&str, &str)]) -> Project {
    let mut all = vec![("tracebook.yaml", CONFIG.as_bytes())];
    all.extend(files.iter().map(|(p, t)| (*p, t.as_bytes())));
    Project::from_memory(all)
}

fn codes(project: &Project) -> Vec<&'static str> {
    project.diagnostics.iter().map(|d| d.code.0).collect()
}

#[test]
fn parses_front_matter_and_body_with_positions() {
    let text = "---\nid: SYS-1\nkind: requirement\ntitle: \"A: b\"\nowner: me\npriority: high\n---\nThe body.\n";
    let project = load(&[("content/s.md", text)]);
    assert!(project.diagnostics.is_empty(), "{:?}", project.diagnostics);
    let item = &project.items[0];
    assert_eq!(
        (item.id.as_str(), item.title.as_str(), item.status.as_str()),
        ("SYS-1", "A: b", "draft")
    );
    assert_eq!(
        (item.source.line, item.source.column, item.source.body_line),
        (2, 5, 8)
    );
    assert_eq!(item.body, "The body.\n");
}

#[test]
fn field_types_are_checked() {
    let text = "---\nid: SYS-1\nkind: requirement\ntitle: T\nowner: me\ncount: twelve\ndue: 2026-02-30\npriority: urgent\n---\n";
    let project = load(&[("content/s.md", text)]);
    assert_eq!(codes(&project), vec!["E0207", "E0207", "E0208"]);
    assert_eq!(
        project.diagnostics[2].hint,
        None.or(Some("allowed: low, medium, high".to_owned()))
    );
}

#[test]
fn unknown_field_gets_a_suggestion() {
    let text = "---\nid: SYS-1\nkind: requirement\ntitle: T\nowner: me\nprority: high\n---\n";
    let project = load(&[("content/s.md", text)]);
    assert_eq!(codes(&project), vec!["E0206"]);
    assert_eq!(
        project.diagnostics[0].hint.as_deref(),
        Some("did you mean priority?")
    );
    assert_eq!(
        (
            project.diagnostics[0].span.line,
            project.diagnostics[0].span.column
        ),
        (6, 1)
    );
}

#[test]
fn yaml_list_files_hold_many_items() {
    let text = "- id: STK-1\n  kind: need\n  title: One\n- id: STK-2\n  kind: need\n  title: Two\n- just text\n";
    let project = load(&[("content/needs.yaml", text)]);
    assert_eq!(project.items.len(), 2);
    assert_eq!(codes(&project), vec!["E0005"]);
    assert_eq!(project.items[1].source.line, 4);
}

#[test]
fn duplicate_ids_name_both_places() {
    let a = "---\nid: STK-1\nkind: need\ntitle: A\n---\n";
    let project = load(&[("content/a.md", a), ("content/b.md", a)]);
    assert_eq!(codes(&project), vec!["E0204"]);
    assert_eq!(&*project.diagnostics[0].span.file, "content/b.md");
    assert_eq!(
        &*project.diagnostics[0].related[0].span.file,
        "content/a.md"
    );
}

#[test]
fn fingerprint_ignores_status_and_links() {
    let a = "---\nid: SYS-1\nkind: requirement\ntitle: T\nowner: me\n---\nBody\n";
    let b = "---\nid: SYS-1\nkind: requirement\ntitle: T\nowner: me\nstatus: approved\nlinks:\n  derives_from: [STK-1]\n---\nBody\n";
    let c = "---\nid: SYS-1\nkind: requirement\ntitle: T\nowner: you\n---\nBody\n";
    let fp = |t: &str| load(&[("content/a.md", t)]).items[0].fingerprint;
    assert_eq!(fp(a), fp(b));
    assert_ne!(fp(a), fp(c));
}

#[test]
fn missing_and_unclosed_front_matter_are_reported() {
    let project = load(&[
        ("content/a.md", "# Just markdown\n"),
        ("content/b.md", "---\nid: X-1\n"),
        ("content/c.md", "---\n---\nbody\n"),
    ]);
    assert_eq!(codes(&project), vec!["E0002", "E0002", "E0003"]);
}

#[test]
fn ids_are_validated() {
    assert!(is_valid_id("SYS-014"));
    assert!(is_valid_id("a.b_c-1"));
    assert!(!is_valid_id("1-bad"));
    assert!(!is_valid_id("bad id"));
    assert!(!is_valid_id("../etc"));
    assert!(!is_valid_id(""));
}
