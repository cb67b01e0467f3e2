//! Rendered HTML fragments, snapshotted: the item card, the trace matrix and an item's
//! evidence must stay stable between runs, and item Markdown must come out sanitized.

use std::path::{Path, PathBuf};

use scraper::{Html, Selector};
use tracebook_generator::{Changes, SiteBuilder, SiteOptions, Theme, render_markdown};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel)
}

/// Builds a fixture into a temp folder and returns the `<main>` of one page, whitespace-trimmed.
fn main_of(project: &str, page: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("site");
    let theme = Theme::embedded().expect("theme");
    let mut builder = SiteBuilder::new(&fixture(project), &out, theme, SiteOptions::default());
    let built = builder.build(&Changes::Unknown, &|| ());
    let diagnostics = builder.project().map(|p| &p.diagnostics);
    built.unwrap_or_else(|err| panic!("build: {err} {diagnostics:?}"));
    let html = std::fs::read_to_string(out.join(page)).expect("page");
    let doc = Html::parse_document(&html);
    let main = doc
        .select(&Selector::parse("main").expect("selector"))
        .next()
        .expect("<main>");
    main.html()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn item_page_fragment_snapshot() {
    let main = main_of("valid/minimal", "items/SYS-001/index.html");
    assert!(main.contains("SYS-001"));
    insta::assert_snapshot!(main);
}

#[test]
fn matrix_fragment_snapshot() {
    let main = main_of("valid/minimal", "matrix/verifies/index.html");
    assert!(main.contains("VER-001"));
    insta::assert_snapshot!(main);
}

#[test]
fn markdown_is_sanitized() {
    let hostile = "Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n\
        [a](javascript:alert(1)) <a href=\"JaVaScRiPt:alert(1)\">b</a>\n\n\
        <iframe src=\"https://example.com\"></iframe><style>body{}</style>\n\n\
        <svg onload=alert(1)></svg> <p style=\"color:red\">styled</p>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
    let html = render_markdown(hostile);
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "<iframe",
        "<style",
        "style=",
        "<svg",
    ] {
        assert!(!lower.contains(bad), "{bad} survived: {html}");
    }
    assert!(html.contains("<table>"), "tables must survive: {html}");
    insta::assert_snapshot!(html);
}

#[test]
fn evidence_fragment_snapshot() {
    let main = main_of("evidence", "items/VER-002/index.html");
    assert!(
        main.contains("&lt;script&gt;"),
        "the failure message is escaped"
    );
    insta::assert_snapshot!(main);
}
