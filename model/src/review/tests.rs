use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::parse_file;

const FP: &str = "1e345678";

fn fingerprint(text: &str) -> Fingerprint {
    Fingerprint::parse(text).expect("8 hex digits")
}

fn stamp(kind: &str, target: &str, fp: &str) -> Stamp {
    Stamp {
        link_kind: kind.to_owned(),
        target: target.to_owned(),
        fingerprint: fingerprint(fp),
    }
}

/// A Markdown item with multi-byte text and a comment before the links, and a body after.
fn markdown(links: &str) -> String {
    format!(
        "---\nid: R-2\nkind: req\ntitle: Tïtlé 🚀 “quoted”\n# why these links\n{links}priority: high # keep\n---\nBody — ünïcode.\n"
    )
}

/// The reviewed value of each link of the first item, after parsing `text` like `check` does.
fn reviewed_values(file: &str, text: &str) -> Vec<(String, Option<String>)> {
    let parsed = parse_file(&Arc::from(file), text.as_bytes(), None);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed.items[0]
        .links
        .iter()
        .map(|l| (l.target.clone(), l.reviewed.clone()))
        .collect()
}

#[test]
fn stamps_every_spelling_of_a_link_target() {
    let r = format!("reviewed: \"{FP}\"");
    let cases = [
        (
            "  derives_from: [R-1, R-3]\n".to_owned(),
            format!("  derives_from: [{{ id: R-1, {r} }}, R-3]\n"),
        ),
        (
            "  derives_from: [\"R-1\", 'R-3']\n".to_owned(),
            format!("  derives_from: [{{ id: \"R-1\", {r} }}, 'R-3']\n"),
        ),
        (
            "  derives_from: ['R-1']\n".to_owned(),
            format!("  derives_from: [{{ id: 'R-1', {r} }}]\n"),
        ),
        (
            "  derives_from:\n    - R-1 # parent\n    - R-3\n".to_owned(),
            format!("  derives_from:\n    - {{ id: R-1, {r} }} # parent\n    - R-3\n"),
        ),
        (
            "  derives_from: R-1\n".to_owned(),
            format!("  derives_from: {{ id: R-1, {r} }}\n"),
        ),
        (
            "  derives_from: [{ id: R-1, reviewed: 00000000 }]\n".to_owned(),
            format!("  derives_from: [{{ id: R-1, {r} }}]\n"),
        ),
        (
            "  derives_from: [{id: R-1,reviewed: '0000abcd'}]\n".to_owned(),
            format!("  derives_from: [{{id: R-1,reviewed: \"{FP}\"}}]\n"),
        ),
        (
            "  derives_from: [{ id: R-1 }]\n".to_owned(),
            format!("  derives_from: [{{ id: R-1, {r} }}]\n"),
        ),
        (
            "  derives_from: [{ id: R-1, reviewed: }]\n".to_owned(),
            format!("  derives_from: [{{ id: R-1, {r} }}]\n"),
        ),
        (
            "  derives_from:\n    - id: R-1\n      reviewed: 12345678 # old\n".to_owned(),
            format!("  derives_from:\n    - id: R-1\n      {r} # old\n"),
        ),
        (
            "  derives_from:\n    - id: R-1 # parent\n    - R-3\n".to_owned(),
            format!("  derives_from:\n    - id: R-1 # parent\n      {r}\n    - R-3\n"),
        ),
        (
            "  derives_from:\n    - id: R-1\n      reviewed:\n".to_owned(),
            format!("  derives_from:\n    - id: R-1\n      {r}\n"),
        ),
        (
            "  derives_from:\n    - reviewed: 0\n      id: R-1\n".to_owned(),
            format!("  derives_from:\n    - {r}\n      id: R-1\n"),
        ),
    ];
    for (before, after) in cases {
        let input = markdown(&format!("links:\n{before}"));
        let stamps = [stamp("derives_from", "R-1", FP)];
        let done = stamp_links("r.md", &input, "R-2", &stamps).expect("stamps");
        let expected = markdown(&format!("links:\n{after}"));
        assert_eq!(
            done.text.as_deref(),
            Some(expected.as_str()),
            "from {before:?}"
        );
        assert_eq!(done.outcomes, [StampOutcome::Stamped]);
        let links = reviewed_values("r.md", &expected);
        assert_eq!(links[0], ("R-1".to_owned(), Some(FP.to_owned())));
    }
}

#[test]
fn writes_numeric_looking_fingerprints_quoted() {
    for fp in ["12345678", "1e345678", "00000000"] {
        let input = markdown("links:\n  derives_from: [R-1]\n");
        let done = stamp_links("r.md", &input, "R-2", &[stamp("derives_from", "R-1", fp)])
            .expect("stamps");
        let text = done.text.expect("changed");
        assert!(text.contains(&format!("reviewed: \"{fp}\"")), "{text}");
        let yaml = &text[4..text.find("\n---\n").expect("front matter end")];
        let root = yaml::parse(yaml, 2).expect("valid");
        let (_, entries) = text_edit::find_item(&root, true, "R-2").expect("item");
        let target = link_targets(entries, "derives_from", "R-1")[0];
        let Value::Map(target) = &target.value else {
            panic!("mapping")
        };
        assert_eq!(
            get(target, "reviewed").map(|n| &n.value),
            Some(&Value::Str(fp.to_owned()))
        );
    }
}

#[test]
fn already_reviewed_links_leave_the_text_alone() {
    for links in [
        format!("  derives_from: [{{ id: R-1, reviewed: \"{FP}\" }}]\n"),
        format!("  derives_from:\n    - id: R-1\n      reviewed: {FP}\n"),
        "  derives_from: [{ id: R-1, reviewed: 12345678 }]\n".to_owned(),
    ] {
        let input = markdown(&format!("links:\n{links}"));
        let fp = if links.contains(FP) { FP } else { "12345678" };
        let done = stamp_links("r.md", &input, "R-2", &[stamp("derives_from", "R-1", fp)])
            .expect("stamps");
        assert_eq!(done.text, None);
        assert_eq!(done.outcomes, [StampOutcome::AlreadyReviewed]);
    }
}

#[test]
fn reports_each_stamp_and_edits_only_the_stale_ones() {
    let input = markdown(&format!(
        "links:\n  derives_from: [R-1, {{ id: R-3, reviewed: \"{FP}\" }}]\n  refines: [R-1]\n"
    ));
    let stamps = [
        stamp("derives_from", "R-3", FP),
        stamp("derives_from", "R-1", "abcdef01"),
        stamp("derives_from", "R-1", "abcdef01"),
    ];
    let done = stamp_links("r.md", &input, "R-2", &stamps).expect("stamps");
    let expected = markdown(&format!(
        "links:\n  derives_from: [{{ id: R-1, reviewed: \"abcdef01\" }}, {{ id: R-3, reviewed: \"{FP}\" }}]\n  refines: [R-1]\n"
    ));
    assert_eq!(done.text.as_deref(), Some(expected.as_str()));
    use StampOutcome::{AlreadyReviewed, Stamped};
    assert_eq!(done.outcomes, [AlreadyReviewed, Stamped, Stamped]);
}

#[test]
fn changes_only_the_named_item_of_a_yaml_list() {
    let item = |id: &str| {
        format!("- id: {id} # item\n  kind: req\n  title: T\n  links:\n    derives_from: [R-1]\n\n")
    };
    let input = format!(
        "# many items\n{}{}{}",
        item("R-2"),
        item("R-3"),
        item("R-4")
    );
    let done =
        stamp_links("c.yaml", &input, "R-3", &[stamp("derives_from", "R-1", FP)]).expect("stamps");
    let stamped = item("R-3").replace("[R-1]", &format!("[{{ id: R-1, reviewed: \"{FP}\" }}]"));
    let expected = format!("# many items\n{}{stamped}{}", item("R-2"), item("R-4"));
    assert_eq!(done.text.as_deref(), Some(expected.as_str()));
}

#[test]
fn keeps_crlf_line_endings_and_a_byte_order_mark() {
    let input = "\u{feff}---\r\nid: R-2\r\nkind: req\r\ntitle: Ünïcode\r\nlinks:\r\n  derives_from:\r\n    - id: R-1 # why\r\n---\r\nBody\r\n";
    let done =
        stamp_links("r.md", input, "R-2", &[stamp("derives_from", "R-1", FP)]).expect("stamps");
    let expected = input.replace(
        "# why\r\n",
        &format!("# why\r\n      reviewed: \"{FP}\"\r\n"),
    );
    assert_eq!(done.text.as_deref(), Some(expected.as_str()));
    assert_eq!(reviewed_values("r.md", &expected)[0].1.as_deref(), Some(FP));
}

#[test]
fn block_mapping_at_the_end_of_a_file_without_newline_gets_a_line() {
    let input = "- id: R-2\n  kind: req\n  title: T\n  links:\n    derives_from:\n      - id: R-1";
    let done =
        stamp_links("c.yaml", input, "R-2", &[stamp("derives_from", "R-1", FP)]).expect("stamps");
    let expected = format!("{input}\n        reviewed: \"{FP}\"");
    assert_eq!(done.text.as_deref(), Some(expected.as_str()));
}

#[test]
fn refuses_what_it_cannot_edit() {
    let one = [stamp("derives_from", "R-1", FP)];
    let input = markdown("links:\n  derives_from: [R-1]\n");
    assert_eq!(
        stamp_links("r.md", &input, "R-9", &one),
        Err(ReviewError::ItemNotFound("R-9".to_owned()))
    );
    let other_kind = [stamp("refines", "R-1", FP)];
    assert!(matches!(
        stamp_links("r.md", &input, "R-2", &other_kind),
        Err(ReviewError::LinkNotFound { .. })
    ));
    assert_eq!(
        stamp_links("r.md", "no front matter\n", "R-2", &one),
        Err(ReviewError::NoItems)
    );
    let aliased = markdown("x: &p R-1\nlinks:\n  derives_from: [*p]\n");
    assert!(matches!(
        stamp_links("r.md", &aliased, "R-2", &one),
        Err(ReviewError::Unsupported { line: 8, .. })
    ));
    let twice = [
        stamp("derives_from", "R-1", FP),
        stamp("derives_from", "R-1", "00000000"),
    ];
    assert!(matches!(
        stamp_links("r.md", &input, "R-2", &twice),
        Err(ReviewError::Conflict { .. })
    ));
    let broken = markdown("links: [\n");
    assert!(matches!(
        stamp_links("r.md", &broken, "R-2", &one),
        Err(ReviewError::Syntax { .. })
    ));
}

/// How one link target is written, for the property test.
#[derive(Debug, Clone, Copy)]
enum Spelling {
    Plain,
    Double,
    Single,
    FlowMap,
    FlowMapStale,
    FlowMapFresh,
    BlockMap,
    BlockMapStale,
}

const SPELLINGS: [Spelling; 8] = [
    Spelling::Plain,
    Spelling::Double,
    Spelling::Single,
    Spelling::FlowMap,
    Spelling::FlowMapStale,
    Spelling::FlowMapFresh,
    Spelling::BlockMap,
    Spelling::BlockMapStale,
];

/// One target as written, before (`stamp: None`) or after stamping. In a block list, block
/// mappings get their own lines; in a flow list they fall back to flow mappings.
fn render_target(id: &str, spelling: Spelling, fp: &str, stamp: bool, eol: &str) -> String {
    use Spelling::*;
    let r = format!("reviewed: \"{fp}\"");
    match (spelling, stamp) {
        (Plain, false) => id.to_owned(),
        (Double, false) => format!("\"{id}\""),
        (Single, false) => format!("'{id}'"),
        (Plain, true) => format!("{{ id: {id}, {r} }}"),
        (Double, true) => format!("{{ id: \"{id}\", {r} }}"),
        (Single, true) => format!("{{ id: '{id}', {r} }}"),
        (FlowMap, false) => format!("{{ id: {id} }}"),
        (FlowMapStale, false) => format!("{{ id: {id}, reviewed: stale }}"),
        (FlowMap | FlowMapStale | FlowMapFresh, _) => format!("{{ id: {id}, {r} }}"),
        (BlockMap, false) => format!("id: {id} # c"),
        (BlockMap, true) => format!("id: {id} # c{eol}      {r}"),
        (BlockMapStale, false) => format!("id: {id}{eol}      reviewed: stale # c"),
        (BlockMapStale, true) => format!("id: {id}{eol}      {r} # c"),
    }
}

fn render_item(
    title: &str,
    targets: &[(Spelling, bool)],
    block: bool,
    fp: &str,
    eol: &str,
) -> String {
    let mut links = String::new();
    if block {
        links.push_str(&format!("  derives_from: # c{eol}"));
        for (i, (spelling, stamp)) in targets.iter().enumerate() {
            let entry = render_target(&format!("R-{}", 10 + i), *spelling, fp, *stamp, eol);
            links.push_str(&format!("    - {entry}{eol}"));
        }
    } else {
        let entries: Vec<String> = targets
            .iter()
            .enumerate()
            .map(|(i, (spelling, stamp))| {
                let spelling = match spelling {
                    Spelling::BlockMap => Spelling::FlowMap,
                    Spelling::BlockMapStale => Spelling::FlowMapStale,
                    other => *other,
                };
                render_target(&format!("R-{}", 10 + i), spelling, fp, *stamp, eol)
            })
            .collect();
        links.push_str(&format!(
            "  derives_from: [{}] # c{eol}",
            entries.join(", ")
        ));
    }
    format!(
        "---{eol}id: R-2{eol}kind: req{eol}title: \"{title}\"{eol}links: # c{eol}{links}note: x{eol}---{eol}{title}{eol}"
    )
}

proptest! {
    /// The only byte difference between input and output is the stamp of each selected link.
    #[test]
    fn the_only_change_is_the_stamp(
        title in "[a-z é🚀—]{0,12}",
        targets in prop::collection::vec((0..SPELLINGS.len(), any::<bool>()), 1..5),
        block in any::<bool>(),
        crlf in any::<bool>(),
        fp in any::<u32>(),
    ) {
        let fp = format!("{fp:08x}");
        let eol = if crlf { "\r\n" } else { "\n" };
        let spelled: Vec<(Spelling, bool)> =
            targets.iter().map(|(s, stamp)| (SPELLINGS[*s], *stamp)).collect();
        // A fresh target carries the current fingerprint before stamping too.
        let before: Vec<(Spelling, bool)> = spelled
            .iter()
            .map(|(s, _)| (*s, matches!(s, Spelling::FlowMapFresh)))
            .collect();
        let after: Vec<(Spelling, bool)> = spelled
            .iter()
            .map(|(s, stamp)| (*s, *stamp || matches!(s, Spelling::FlowMapFresh)))
            .collect();
        let input = render_item(&title, &before, block, &fp, eol);
        let expected = render_item(&title, &after, block, &fp, eol);
        let stamps: Vec<Stamp> = spelled
            .iter()
            .enumerate()
            .filter(|(_, (_, stamp))| *stamp)
            .map(|(i, _)| stamp("derives_from", &format!("R-{}", 10 + i), &fp))
            .collect();
        let done = stamp_links("r.md", &input, "R-2", &stamps).expect("stamps");
        prop_assert_eq!(done.text.as_deref().unwrap_or(&input), expected.as_str());
        let links = reviewed_values("r.md", &expected);
        for (i, (_, stamp)) in spelled.iter().enumerate() {
            if *stamp {
                prop_assert_eq!(links[i].1.as_deref(), Some(fp.as_str()));
            }
        }
    }
}
