//! The loader must never panic, whatever the front matter or file bytes hold: item files come
//! from anyone who can open a pull request.

use proptest::prelude::*;
use tracebook_model::Project;

const CONFIG: &str = "\
kinds:
  need: { prefix: STK }
  requirement: { prefix: SYS, fields: { p: { type: enum, values: [a, b] }, n: { type: int }, d: { type: date } } }
links:
  derives_from: { from: [requirement], to: [need, requirement], acyclic: true }
rules:
  - { kind: need, needs_incoming: derives_from }
";

/// YAML-ish fragments: real keys and values, punctuation and indentation that break YAML.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("id: STK-1\n".to_owned()),
        Just("id: SYS-1\n".to_owned()),
        Just("kind: need\n".to_owned()),
        Just("kind: requirement\n".to_owned()),
        Just("title: T\n".to_owned()),
        Just("links:\n  derives_from: [STK-1, SYS-1]\n".to_owned()),
        Just("links: { derives_from: [{ id: SYS-1, reviewed: 00000000 }] }\n".to_owned()),
        Just("p: c\n".to_owned()),
        Just("n: [1]\n".to_owned()),
        Just("d: 2026-02-30\n".to_owned()),
        Just("tags: x\n".to_owned()),
        Just("---\n".to_owned()),
        Just("&a [*a]\n".to_owned()),
        "[ -~\n\t]{0,40}",
        "\\PC{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn loader_never_panics_on_arbitrary_front_matter(parts in prop::collection::vec(fragment(), 0..12), body in "\\PC{0,40}") {
        let text = format!("---\n{}---\n{body}", parts.concat());
        let list = parts.concat();
        let project = Project::from_memory([
            ("tracebook.yaml", CONFIG.as_bytes()),
            ("content/a.md", text.as_bytes()),
            ("content/b.md", text.as_bytes()),
            ("content/c.yaml", list.as_bytes()),
        ]);
        // Every diagnostic points into a real file at a real line.
        for d in &project.diagnostics {
            prop_assert!(d.span.line >= 1, "{d}");
        }
    }

    #[test]
    fn loader_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Project::from_memory([("tracebook.yaml", CONFIG.as_bytes()), ("content/a.md", bytes.as_slice())]);
        let _ = Project::from_memory([("tracebook.yaml", bytes.as_slice()), ("content/a.yaml", bytes.as_slice())]);
    }
}
