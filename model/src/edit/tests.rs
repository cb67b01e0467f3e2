use std::sync::Arc;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::parse_file;

const ITEM: &str = "---\nid: R-2 # the id\nkind: req\ntitle: Tïtlé 🚀\n# why these links\nlinks:\n  derives_from: [R-1] # parent\npriority: high # keep\n---\nBody — ünïcode.\n";

fn set(name: &str, value: Json) -> (String, KeyChange) {
    (name.to_owned(), KeyChange::Set(value))
}

fn keys(keys: Vec<(String, KeyChange)>) -> ItemEdit {
    ItemEdit { keys, body: None }
}

/// Parses like `check` does and returns the first item's JSON-ish view.
fn parsed(file: &str, text: &str) -> crate::Item {
    let parsed = parse_file(&Arc::from(file), text.as_bytes(), None);
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}\n{text}",
        parsed.diagnostics
    );
    parsed.items.into_iter().next().expect("one item")
}

#[test]
fn replaces_a_scalar_and_keeps_every_other_byte() {
    let out = edit_item("r.md", ITEM, "R-2", &keys(vec![set("title", json!("New"))])).unwrap();
    assert_eq!(out, ITEM.replace("title: Tïtlé 🚀", "title: New"));
}

#[test]
fn quotes_strings_yaml_would_read_otherwise() {
    let cases = [
        ("12", "\"12\""),
        ("true", "\"true\""),
        ("null", "\"null\""),
        ("", "\"\""),
        (" padded ", "\" padded \""),
        ("a: b", "\"a: b\""),
        ("a #b", "\"a #b\""),
        ("#c", "\"#c\""),
        ("- x", "\"- x\""),
        ("*x", "\"*x\""),
        ("1e345678", "\"1e345678\""),
        ("plain words, fine", "plain words, fine"),
        ("a:b", "a:b"),
        ("x\ty", "\"x\\ty\""),
    ];
    for (value, written) in cases {
        let out = edit_item(
            "r.md",
            ITEM,
            "R-2",
            &keys(vec![set("priority", json!(value))]),
        )
        .unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert!(
            out.contains(&format!("\npriority: {written} # keep\n")),
            "{value:?} -> {out}"
        );
        let item = parsed("r.md", &out);
        assert_eq!(item.fields[0].value, json!(value));
    }
}

#[test]
fn writes_numbers_booleans_null_and_lists() {
    let edit = keys(vec![
        set("priority", json!(3)),
        set("rationale", json!(1.5)),
        set("safe", json!(false)),
        set("none", Json::Null),
        set("tags", json!(["a", "b, c", "[x]", 7])),
    ]);
    let out = edit_item("r.md", ITEM, "R-2", &edit).unwrap();
    assert!(out.contains("priority: 3 # keep\nrationale: 1.5\nsafe: false\nnone: null\ntags: [a, \"b, c\", \"[x]\", 7]\n---\n"), "{out}");
}

#[test]
fn replaces_links_with_a_block_mapping() {
    let edit = keys(vec![set(
        "links",
        json!({ "derives_from": ["R-1", { "id": "R-3", "reviewed": "12345678" }], "verifies": [] }),
    )]);
    let out = edit_item("r.md", ITEM, "R-2", &edit).unwrap();
    let expected = ITEM.replace(
        "links:\n  derives_from: [R-1] # parent\n",
        "links:\n  derives_from: [R-1, { id: R-3, reviewed: \"12345678\" }]\n  verifies: []\n",
    );
    assert_eq!(out, expected);
    let item = parsed("r.md", &out);
    assert_eq!(item.links[1].reviewed.as_deref(), Some("12345678"));
}

#[test]
fn removes_a_key_with_its_lines() {
    let edit = keys(vec![("links".to_owned(), KeyChange::Remove)]);
    let out = edit_item("r.md", ITEM, "R-2", &edit).unwrap();
    assert_eq!(
        out,
        ITEM.replace("links:\n  derives_from: [R-1] # parent\n", "")
    );
    let absent = keys(vec![("nothing".to_owned(), KeyChange::Remove)]);
    assert_eq!(edit_item("r.md", ITEM, "R-2", &absent).unwrap(), ITEM);
}

#[test]
fn adds_keys_after_the_last_remaining_entry() {
    let edit = keys(vec![
        ("priority".to_owned(), KeyChange::Remove),
        set("status", json!("approved")),
        set("tags", json!(["x"])),
    ]);
    let out = edit_item("r.md", ITEM, "R-2", &edit).unwrap();
    let expected = ITEM.replace(
        "  derives_from: [R-1] # parent\npriority: high # keep\n",
        "  derives_from: [R-1] # parent\nstatus: approved\ntags: [x]\n",
    );
    assert_eq!(out, expected);
}

#[test]
fn replaces_the_body_only() {
    let edit = ItemEdit {
        keys: vec![],
        body: Some("New *body*\n\nsecond\n".to_owned()),
    };
    let out = edit_item("r.md", ITEM, "R-2", &edit).unwrap();
    assert_eq!(
        out,
        ITEM.replace("Body — ünïcode.\n", "New *body*\n\nsecond\n")
    );
}

#[test]
fn writes_multi_line_strings_as_literal_blocks() {
    let edit = keys(vec![set("rationale", json!("line one\n\nline: two\n"))]);
    let out = edit_item("r.md", ITEM, "R-2", &edit).unwrap();
    assert!(
        out.contains("rationale: |\n  line one\n\n  line: two\n---"),
        "{out}"
    );
    let edit = keys(vec![set("priority", json!("a\nb"))]);
    let out = edit_item("r.md", ITEM, "R-2", &edit).unwrap();
    assert!(out.contains("priority: |-\n  a\n  b\n---"), "{out}");
    assert_eq!(parsed("r.md", &out).fields[0].value, json!("a\nb"));
}

#[test]
fn edits_one_item_of_a_yaml_list() {
    let text = "# list\n- id: A-1\n  kind: req\n  title: One # first\n- id: A-2\n  kind: req\n  title: Two\n  tags:\n    - x\n    - y\n\n- id: A-3\n  kind: req\n  title: Three\n";
    let edit = keys(vec![
        set("title", json!("Zwei")),
        set("tags", json!(["z"])),
        set("status", json!("draft")),
    ]);
    let out = edit_item("l.yaml", text, "A-2", &edit).unwrap();
    let expected = text.replace(
        "  title: Two\n  tags:\n    - x\n    - y\n",
        "  title: Zwei\n  tags: [z]\n  status: draft\n",
    );
    assert_eq!(out, expected);
    let body = ItemEdit {
        keys: vec![],
        body: Some("x".to_owned()),
    };
    assert_eq!(
        edit_item("l.yaml", text, "A-2", &body),
        Err(TextEditError::BodyInYamlList)
    );
}

#[test]
fn keeps_crlf_line_endings() {
    let text = ITEM.replace('\n', "\r\n");
    let edit = keys(vec![
        set("links", json!({ "derives_from": ["R-9"] })),
        set("tags", json!(["t"])),
    ]);
    let out = edit_item("r.md", &text, "R-2", &edit).unwrap();
    assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
    assert!(
        out.contains(
            "links:\r\n  derives_from: [R-9]\r\npriority: high # keep\r\ntags: [t]\r\n---"
        ),
        "{out:?}"
    );
}

#[test]
fn fills_an_empty_value() {
    let text = "---\nid: R-2\nkind: req\ntitle:\nstatus: # later\n---\n";
    let edit = keys(vec![
        set("title", json!("T")),
        set("status", json!("draft")),
    ]);
    let out = edit_item("r.md", text, "R-2", &edit).unwrap();
    assert_eq!(
        out,
        "---\nid: R-2\nkind: req\ntitle: T\nstatus: draft # later\n---\n"
    );
}

#[test]
fn refuses_what_it_cannot_do_safely() {
    let change_id = keys(vec![set("id", json!("R-3"))]);
    assert!(matches!(
        edit_item("r.md", ITEM, "R-2", &change_id),
        Err(TextEditError::BadKey(_))
    ));
    let bad_key = keys(vec![set("a: b", json!(1))]);
    assert!(matches!(
        edit_item("r.md", ITEM, "R-2", &bad_key),
        Err(TextEditError::BadKey(_))
    ));
    let twice = keys(vec![set("title", json!("a")), set("title", json!("b"))]);
    assert!(matches!(
        edit_item("r.md", ITEM, "R-2", &twice),
        Err(TextEditError::BadKey(_))
    ));
    let flow = "---\n{ id: R-2, kind: req, title: T }\n---\n";
    assert!(matches!(
        edit_item("r.md", flow, "R-2", &keys(vec![set("title", json!("U"))])),
        Err(TextEditError::Unsupported { .. })
    ));
    assert_eq!(
        edit_item("r.md", ITEM, "R-9", &keys(vec![])),
        Err(TextEditError::ItemNotFound("R-9".to_owned()))
    );
    assert_eq!(
        edit_item("r.md", "no front matter", "R-2", &keys(vec![])),
        Err(TextEditError::NoItems)
    );
    let control = keys(vec![set("title", json!("bell\u{7}"))]);
    let out = edit_item("r.md", ITEM, "R-2", &control).unwrap();
    assert_eq!(parsed("r.md", &out).title, "bell\u{7}");
}

#[test]
fn renders_a_new_item_file() {
    let fields = vec![
        ("priority".to_owned(), json!("high")),
        ("rationale".to_owned(), json!("two\nlines")),
    ];
    let text = render_item("requirement", "SYS-004", "No: colon", &fields, "Body").unwrap();
    assert_eq!(
        text,
        "---\nid: SYS-004\nkind: requirement\ntitle: \"No: colon\"\npriority: high\nrationale: |-\n  two\n  lines\n---\nBody\n"
    );
    let item = parsed("content/x.md", &text);
    assert_eq!(
        (item.id.as_str(), item.title.as_str()),
        ("SYS-004", "No: colon")
    );
    let reserved = vec![("links".to_owned(), json!({}))];
    assert!(render_item("k", "A-1", "t", &reserved, "").is_err());
    let weird_id = render_item("k", "true", "null", &[], "").unwrap();
    assert_eq!(parsed("x.md", &weird_id).id, "true");
}

/// Untouched keys, with comments in front of and after them.
const KEEP: [&str; 4] = [
    "# a comment line\n",
    "owner: 'Ann' # who\n",
    "list:\n  - a # one\n  - b\n",
    "note: >\n  folded\n  text\n",
];

proptest! {
    /// Whatever is set, removed or added, every untouched key and comment survives byte for byte,
    /// and the changed keys read back as asked.
    #[test]
    fn untouched_keys_and_comments_survive(
        order in Just(KEEP).prop_shuffle(),
        title in "[ -~é🚀]{0,16}",
        tags in prop::collection::vec("[ -~]{0,6}", 0..4),
        remove_status in any::<bool>(),
        add in any::<bool>(),
        n in any::<i32>(),
    ) {
        let text = format!(
            "---\nid: R-2\nkind: req\ntitle: Old\n{}{}status: draft # s\n{}{}---\nbody\n",
            order[0], order[1], order[2], order[3]
        );
        let mut changes = vec![set("title", json!(title)), set("tags", json!(tags))];
        if remove_status {
            changes.push(("status".to_owned(), KeyChange::Remove));
        }
        if add {
            changes.push(set("count", json!(n)));
        }
        let out = edit_item("r.md", &text, "R-2", &keys(changes)).expect("edits");
        for kept in KEEP {
            prop_assert!(out.contains(kept), "lost {:?} in {}", kept, out);
        }
        prop_assert!(out.starts_with("---\nid: R-2\nkind: req\ntitle: "));
        prop_assert!(out.ends_with("---\nbody\n"));
        prop_assert_eq!(out.contains("status: draft # s\n"), !remove_status);
        let item = parsed("r.md", &out);
        prop_assert_eq!(&item.title, &title);
        prop_assert_eq!(&item.tags, &tags);
        let owner = item.fields.iter().find(|f| f.name == "owner").map(|f| f.value.clone());
        prop_assert_eq!(owner, Some(json!("Ann")));
    }
}
