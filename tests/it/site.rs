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

/// Builds a copy of the fixture `rel` (a build writes `.tracebook/` into the project, which
/// must not land in the fixture); returns (tempdir, site folder).
fn build_fixture(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    copy_dir(&fixture(rel), &project);
    let out = dir.path().join("site");
    build_into(&project, &out);
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

/// Parses `rel` of a built site, checked for CSP violations.
#[track_caller]
fn page(site: &Path, rel: &str) -> Html {
    parse_without_csp_violations(&site.join(rel))
}

fn select<'a>(page: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).expect("selector");
    page.select(&selector).collect()
}

fn text(el: &scraper::ElementRef<'_>) -> String {
    el.text().collect::<Vec<_>>().join(" ")
}

#[test]
fn readiness_page_shows_the_checklist_and_links_failing_items() {
    let (_dir, site) = build_fixture("evidence");
    let html = page(&site, "readiness/index.html");
    let banner = text(&select(&html, ".readiness-banner")[0]);
    assert!(banner.contains("Not ready: 2 of 4 rules fail"), "{banner}");
    let checks = select(&html, ".checklist > li");
    let lines: Vec<String> = checks
        .iter()
        .map(|c| text(&select_in(c, ".check-line")[0]))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    // Pass and fail are words, not colours only; each rule says what it checked and where it
    // is written.
    assert!(
        lines[0].contains("pass") && lines[0].contains("No errors"),
        "{lines:#?}"
    );
    assert!(
        lines[1].contains("fail") && lines[1].contains("checked 4"),
        "{lines:#?}"
    );
    assert!(lines[1].contains("tracebook.yaml:21:5"), "{lines:#?}");
    assert!(
        lines[2].contains("Every approved requirement is verified"),
        "{lines:#?}"
    );
    // Failing rules list their failures, each linked to the item's page.
    let failing: Vec<String> = select_in(&checks[1], "td.id a")
        .iter()
        .map(|a| a.value().attr("href").expect("href").to_owned())
        .collect();
    assert_eq!(
        failing,
        ["../items/VER-002/index.html", "../items/VER-004/index.html"]
    );
    for href in &failing {
        assert!(site.join("readiness").join(href).is_file(), "{href}");
    }
    let why = text(&checks[2]);
    assert!(
        why.contains("SYS-002") && why.contains("evidence failed (VER-002)"),
        "{why}"
    );
    assert!(
        why.contains("SYS-003") && why.contains("evidence missing (VER-004)"),
        "{why}"
    );
    assert!(select_in(&checks[0], "table").is_empty());
    assert!(!text(&html.root_element()).contains("These are the default rules"));

    // Evidence per kind: a chart with a legend and a <title> per segment, and the same numbers
    // in a table.
    let chart = select(&html, "figure.evidence-chart svg");
    assert_eq!(chart.len(), 1);
    let titles: Vec<String> = select_in(&chart[0], "title").iter().map(text).collect();
    assert!(
        titles.contains(&"Verification case: 1 failed".to_owned()),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"System requirement: 1 missing".to_owned()),
        "{titles:?}"
    );
    let rows: Vec<String> = select(&html, ".evidence-counts tbody tr")
        .iter()
        .map(text)
        .collect();
    assert_eq!(
        rows.len(),
        2,
        "need and assumption have no evidence: {rows:?}"
    );
    // The runs table.
    let runs: Vec<String> = select(&html, "table.runs tbody tr")
        .iter()
        .map(text)
        .collect();
    assert_eq!(runs.len(), 1);
    assert!(
        runs[0].contains("ci") && runs[0].contains("4f2a9c1d"),
        "{runs:?}"
    );

    let dashboard = page(&site, "index.html");
    let card = text(&select(&dashboard, ".readiness-stat")[0]);
    assert!(
        card.contains("Not ready") && card.contains("2 of 4 rules fail"),
        "{card}"
    );
}

fn select_in<'a>(el: &scraper::ElementRef<'a>, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).expect("selector");
    el.select(&selector).collect()
}

#[test]
fn item_pages_show_verdicts_cases_and_escaped_failure_messages() {
    let (_dir, site) = build_fixture("evidence");
    let raw = std::fs::read_to_string(site.join("items/VER-002/index.html")).expect("read");
    let html = page(&site, "items/VER-002/index.html");
    let meta = text(&select(&html, ".item-meta")[0]);
    assert!(
        meta.contains("evidence") && meta.contains("failed"),
        "{meta}"
    );
    let section = &select(&html, "section.evidence")[0];
    assert_eq!(
        select_in(section, "td .verdict-failed").len(),
        2,
        "entry and case"
    );
    let message = text(&select_in(section, ".case-message")[0]);
    assert_eq!(
        message,
        "AssertionError: <script>alert(\"xss\")</script> alarm not raised"
    );
    // Test output is text: escaped in the page, no element made from it.
    assert!(
        raw.contains("&lt;script&gt;alert("),
        "the message must be escaped"
    );
    assert!(select(&html, "main script").is_empty());
    let cases = text(&select_in(section, ".cases")[0]);
    assert!(
        cases.contains("tests.test_alarms::test_air_in_line"),
        "{cases}"
    );
    assert!(
        cases.contains("results/ci/junit.xml:6") && cases.contains("1.05 s"),
        "{cases}"
    );
    let run = text(&select_in(section, ".run")[0]);
    assert!(
        run.contains("ci") && run.contains("2026-11-20") && run.contains("4f2a9c1d"),
        "{run}"
    );

    // A glob matching two passing cases; a skipped case with its reason; a missing case.
    let ver1 = page(&site, "items/VER-001/index.html");
    assert_eq!(select(&ver1, ".evidence .cases li").len(), 2);
    let ver3 = text(&select(&page(&site, "items/VER-003/index.html"), ".evidence")[0]);
    assert!(
        ver3.contains("skipped") && ver3.contains("needs the hardware rig"),
        "{ver3}"
    );
    let ver4 = text(&select(&page(&site, "items/VER-004/index.html"), ".evidence")[0]);
    assert!(
        ver4.contains("missing") && ver4.contains("no test case matches"),
        "{ver4}"
    );

    // A requirement rolls up the evidence of the items that verify it, linked.
    let sys3 = page(&site, "items/SYS-003/index.html");
    let from: Vec<String> = select(&sys3, ".evidence-from tbody tr")
        .iter()
        .map(text)
        .collect();
    assert_eq!(from.len(), 2, "{from:?}");
    assert!(
        from[0].contains("VER-003") && from[0].contains("skipped"),
        "{from:?}"
    );
    assert!(
        from[1].contains("VER-004") && from[1].contains("missing"),
        "{from:?}"
    );
    assert_eq!(select(&sys3, ".item-meta .verdict-missing").len(), 1);
    // Items without evidence have no evidence section, and kinds without any no column.
    assert!(select(&page(&site, "items/STK-001/index.html"), "section.evidence").is_empty());
    let kind = |name: &str| {
        let html = page(&site, &format!("kinds/{name}/index.html"));
        select(&html, "thead th")
            .iter()
            .map(text)
            .collect::<Vec<_>>()
            .join("|")
    };
    assert!(kind("verification").contains("Evidence"));
    assert!(kind("requirement").contains("Evidence"));
    assert!(!kind("need").contains("Evidence"));
}

/// The navigation's groups: (heading or "" for the first, link texts).
fn nav_groups(html: &Html) -> Vec<(String, Vec<String>)> {
    let nav = &select(html, "nav.site-nav")[0];
    let mut groups: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
    for child in nav.children().filter_map(scraper::ElementRef::wrap) {
        match child.value().name() {
            "h2" => groups.push((text(&child).trim().to_owned(), Vec::new())),
            "ul" => {
                let links = select_in(&child, "a").iter().map(text).collect::<Vec<_>>();
                let last = groups.last_mut().expect("a group");
                last.1.extend(
                    links
                        .iter()
                        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")),
                );
            }
            _ => {}
        }
    }
    groups.retain(|(title, links)| !title.is_empty() || !links.is_empty());
    groups
}

#[test]
fn areas_group_kinds_and_pages_in_the_navigation() {
    let (_dir, site) = build_fixture("evidence");
    let html = page(&site, "items/SYS-001/index.html");
    let groups = nav_groups(&html);
    let expected: Vec<(String, Vec<String>)> = [
        ("", vec!["Search"]),
        (
            "Definition",
            vec![
                "Stakeholder need 1",
                "System requirement 3",
                "Dashboard",
                "Matrices",
                "derives_from",
                "verifies",
            ],
        ),
        (
            "Verification and validation",
            vec!["Verification case 4", "Readiness", "Coverage"],
        ),
        ("Other items", vec!["Assumption 1"]),
    ]
    .into_iter()
    .map(|(t, l)| (t.to_owned(), l.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(groups, expected);
    // The item's kind is marked in its area; the readiness page marks its own link.
    assert_eq!(
        text(&select(&html, "nav a.active")[0])
            .split_whitespace()
            .next(),
        Some("System")
    );
    let readiness = page(&site, "readiness/index.html");
    let current: Vec<String> = select(&readiness, "nav [aria-current=page]")
        .iter()
        .map(text)
        .collect();
    assert_eq!(current, ["Readiness"]);
    let matrix = page(&site, "matrix/verifies/index.html");
    let current: Vec<String> = select(&matrix, "nav [aria-current=page]")
        .iter()
        .map(text)
        .collect();
    assert_eq!(current, ["verifies"]);
}

#[test]
fn without_areas_the_navigation_adds_readiness_to_reports() {
    let (_dir, site) = build_fixture("valid/minimal");
    let html = page(&site, "index.html");
    let groups = nav_groups(&html);
    let titles: Vec<&str> = groups.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["", "Items", "Matrices", "Reports"]);
    assert_eq!(groups[0].1, ["Dashboard", "Search"]);
    assert_eq!(groups[3].1, ["Coverage", "Readiness"]);
    // No `readiness:`: the default rules, with a note on how to configure them.
    let readiness = page(&site, "readiness/index.html");
    let all = text(&readiness.root_element());
    assert!(all.contains("Ready for release"), "{all}");
    assert!(all.contains("These are the default rules"), "{all}");
    assert!(all.contains("No item has test results yet"), "{all}");
}
