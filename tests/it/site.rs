//! The built site: pages exist, links resolve, and nothing inline breaks a strict CSP.

use std::path::{Path, PathBuf};

use scraper::{Html, Selector};

use crate::common::*;

/// Builds `project` into a fresh temp folder; returns (tempdir, site folder).
fn build(project: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("site");
    build_into(project, &out);
    (dir, out)
}

fn html_files(site: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(site)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.into_path())
        .collect()
}

/// Problems that break a strict CSP or leak script: inline script, style attributes or
/// elements, event handler attributes, `javascript:` URLs.
fn csp_violations(page: &Html) -> Vec<String> {
    let mut found = Vec::new();
    let all = Selector::parse("*").expect("selector");
    for el in page.select(&all) {
        let name = el.value().name();
        if name == "script" && el.value().attr("src").is_none() {
            found.push("inline <script>".to_owned());
        }
        if name == "style" {
            found.push("<style> element".to_owned());
        }
        for (attr, value) in el.value().attrs() {
            if attr == "style" || attr.starts_with("on") {
                found.push(format!("<{name} {attr}=…>"));
            }
            if matches!(
                attr,
                "href" | "src" | "action" | "formaction" | "xlink:href"
            ) && value.trim().to_ascii_lowercase().starts_with("javascript:")
            {
                found.push(format!("<{name} {attr}={value}>"));
            }
        }
    }
    found
}

/// Parses a built page and asserts it has nothing a strict CSP would block.
#[track_caller]
fn parse_without_csp_violations(file: &Path) -> Html {
    let page = Html::parse_document(&std::fs::read_to_string(file).expect("read"));
    assert_eq!(
        csp_violations(&page),
        Vec::<String>::new(),
        "{}",
        file.display()
    );
    page
}

#[test]
fn built_site_links_resolve_and_has_no_inline_script() {
    let (_dir, site) = build(&repo_root());
    let links = Selector::parse("[href], [src]").expect("selector");
    let mut checked = 0;
    for file in html_files(&site) {
        let page = parse_without_csp_violations(&file);
        for el in page.select(&links) {
            let target = el
                .value()
                .attr("href")
                .or_else(|| el.value().attr("src"))
                .expect("attr");
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            assert!(
                !target.starts_with('/'),
                "absolute link {target} in {}",
                file.display()
            );
            let path = target.split(['#', '?']).next().unwrap_or_default();
            if path.is_empty() {
                continue;
            }
            let resolved = file.parent().expect("parent").join(path);
            assert!(
                resolved.is_file(),
                "{} links to missing {target}",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} links checked");
    let js = std::fs::read_to_string(site.join("assets/jump-index.js")).expect("jump index");
    assert!(
        js.starts_with("window.TRACEBOOK_JUMP = [["),
        "{}",
        &js[..60.min(js.len())]
    );
}

#[test]
fn every_item_has_a_page() {
    let root = repo_root();
    let (_dir, site) = build(&root);
    let export = tracebook(&["export", root.to_str().expect("utf-8")]);
    let model: serde_json::Value = serde_json::from_str(&stdout(&export)).expect("JSON");
    let items = model["items"].as_array().expect("items");
    assert!(
        items.len() >= 120,
        "the specification must keep at least 120 items"
    );
    let heading = Selector::parse("main h1").expect("selector");
    for item in items {
        let id = item["id"].as_str().expect("id");
        let page = site.join("items").join(id).join("index.html");
        let html = Html::parse_document(
            &std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("no page for {id}")),
        );
        let h1: String = html.select(&heading).next().expect("h1").text().collect();
        assert!(h1.contains(id), "{id}: {h1}");
        assert!(
            h1.contains(item["title"].as_str().expect("title")),
            "{id}: {h1}"
        );
    }
    let kinds = model["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["kind"].as_str().expect("kind"));
    for kind in kinds {
        assert!(
            site.join("kinds").join(kind).join("index.html").is_file(),
            "kind page {kind}"
        );
    }
}

#[test]
fn hostile_markdown_is_inert() {
    let (_dir, site) = build(&fixture("valid/xss"));
    let pages = html_files(&site);
    assert!(pages.len() > 3);
    let prose = Selector::parse(".prose").expect("selector");
    let with_prose = pages
        .iter()
        .filter(|p| {
            Html::parse_document(&std::fs::read_to_string(p).expect("read"))
                .select(&prose)
                .count()
                > 0
        })
        .count();
    assert!(
        with_prose >= 2,
        "the hostile bodies must be rendered somewhere"
    );
    for file in pages {
        let page = parse_without_csp_violations(&file);
        // The theme has its own forms and inputs; item Markdown lands in `.prose` only.
        for bad in [
            "iframe", "object", "embed", "base", "meta", "form", "input", "link",
        ] {
            let selector = Selector::parse(&format!(".prose {bad}")).expect("selector");
            assert_eq!(
                page.select(&selector).count(),
                0,
                "<{bad}> in {}",
                file.display()
            );
        }
    }
}

#[test]
fn site_is_reproducible() {
    let (_a, first) = build(&repo_root());
    let (_b, second) = build(&repo_root());
    let (first, second) = (tree_snapshot(&first), tree_snapshot(&second));
    assert!(first.len() > 200);
    assert!(first == second, "two builds of the same content differ");
}
