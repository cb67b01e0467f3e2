//! The documentation holds to the code and to the repository: docs/format.md names only keys
//! the model reads (and all of them), its examples form a project that checks clean, and every
//! relative link of README.md, ARCHITECTURE.md and docs/ resolves inside the repository.
//!
//! Each checker is a function from text to a list of problems, so the tests below also feed it
//! a broken copy and require a problem: a checker that finds nothing cannot pass unnoticed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use crate::common::repo_root;

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_root().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

fn assert_none(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

// ---------------------------------------------------------------- format reference: examples

/// The fenced blocks whose info string says `file=PATH`, joined per path in page order.
fn example_files(markdown: &str) -> BTreeMap<String, String> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                current = info
                    .split_whitespace()
                    .find_map(|word| word.strip_prefix("file="))
                    .map(str::to_owned);
            }
            Event::Text(text) => {
                if let Some(path) = &current {
                    files.entry(path.clone()).or_default().push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => current = None,
            _ => {}
        }
    }
    files
}

/// Everything the model reports about the project the examples make up.
fn example_project_problems(markdown: &str) -> Vec<String> {
    let files = example_files(markdown);
    if !files.contains_key("tracebook.yaml") {
        return vec!["no example block says file=tracebook.yaml".to_owned()];
    }
    let project = tracebook_model::Project::from_memory(
        files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_bytes())),
    );
    project
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn format_examples_are_a_clean_project() {
    let page = read("docs/format.md");
    let files = example_files(&page);
    for expected in [
        "tracebook.yaml",
        "content/system/SYS-014.md",
        "content/system/requirements.yaml",
        "baselines/R1.0.yaml",
        "results/ci/junit.xml",
        "results/ci/run.yaml",
    ] {
        assert!(
            files.contains_key(expected),
            "docs/format.md has no example {expected}"
        );
    }
    assert_none(
        "the examples of docs/format.md, loaded as one project, have problems",
        &example_project_problems(&page),
    );
    // The same page with a key the model does not read in its tracebook.yaml example.
    let broken = page.replacen("theme: default ", "colour: blue\ntheme: default ", 1);
    assert_ne!(
        broken, page,
        "the example tracebook.yaml no longer sets `theme: default`"
    );
    let problems = example_project_problems(&broken);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("E0101") && p.contains("colour")),
        "an unknown key in an example went unnoticed: {problems:?}"
    );
}

// ---------------------------------------------------------------- format reference: key tables

/// Cells of a table row, as plain text (backticks kept).
type Row = Vec<String>;

/// The tables of a page: header cells and body rows.
fn tables(markdown: &str) -> Vec<(Row, Vec<Row>)> {
    let options = pulldown_cmark::Options::ENABLE_TABLES;
    let mut tables = Vec::new();
    let (mut header, mut rows, mut row, mut cell): (Row, Vec<Row>, Row, String) =
        Default::default();
    let mut in_head = false;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                header = std::mem::take(&mut row);
            }
            Event::Start(Tag::TableCell) => cell.clear(),
            Event::End(TagEnd::TableCell) => row.push(cell.trim().to_owned()),
            Event::End(TagEnd::TableRow) if !in_head => rows.push(std::mem::take(&mut row)),
            Event::End(TagEnd::Table) => {
                tables.push((std::mem::take(&mut header), std::mem::take(&mut rows)));
            }
            Event::Text(text) => cell.push_str(&text),
            Event::Code(code) => {
                cell.push('`');
                cell.push_str(&code);
                cell.push('`');
            }
            _ => {}
        }
    }
    tables
}

/// Keys the `| key | in |` tables name that the model does not read there, and keys the model
/// reads that no table names.
fn key_table_problems(markdown: &str) -> Vec<String> {
    let known: BTreeMap<&str, &[&str]> = tracebook_model::KNOWN_KEYS.into_iter().collect();
    let mut problems = Vec::new();
    let mut documented = BTreeSet::new();
    for (header, rows) in tables(markdown) {
        if header.first().map(String::as_str) != Some("key")
            || header.get(1).map(String::as_str) != Some("in")
        {
            continue;
        }
        for row in rows {
            let (Some(key), Some(place)) = (row.first(), row.get(1)) else {
                problems.push(format!("a key table row has fewer than two cells: {row:?}"));
                continue;
            };
            let Some(key) = key.strip_prefix('`').and_then(|k| k.strip_suffix('`')) else {
                problems.push(format!("key `{key}` is not written in backticks"));
                continue;
            };
            match known.get(place.as_str()) {
                None => problems.push(format!(
                    "key `{key}`: `{place}` is not a place the model reads keys in ({})",
                    known.keys().copied().collect::<Vec<_>>().join(", ")
                )),
                Some(keys) if !keys.contains(&key) => problems.push(format!(
                    "key `{key}` is documented in {place}, but the model reads no such key there \
                     (it reads {})",
                    keys.join(", ")
                )),
                Some(_) => {
                    documented.insert((place.clone(), key.to_owned()));
                }
            }
        }
    }
    for (place, keys) in tracebook_model::KNOWN_KEYS {
        for key in keys {
            if !documented.contains(&(place.to_owned(), (*key).to_owned())) {
                problems.push(format!(
                    "the model reads `{key}` in {place}, which no key table lists"
                ));
            }
        }
    }
    problems
}

#[test]
fn format_key_tables_name_only_and_all_keys_the_model_reads() {
    let page = read("docs/format.md");
    assert_none(
        "docs/format.md and the keys the model reads disagree",
        &key_table_problems(&page),
    );
    // A documented key the model does not read, and a known key dropped from the tables.
    let extra = format!("{page}\n| key | in |\n|---|---|\n| `colour` | kind |\n");
    let problems = key_table_problems(&extra);
    assert!(
        problems.iter().any(|p| p.contains("`colour`")),
        "a documented key that does not exist went unnoticed: {problems:?}"
    );
    let dropped = page.replace("| `acyclic` | link kind |", "| `acyclic` | nowhere |");
    assert_ne!(dropped, page, "docs/format.md no longer lists `acyclic`");
    let problems = key_table_problems(&dropped);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("reads `acyclic` in link kind")),
        "a key missing from the tables went unnoticed: {problems:?}"
    );
}

// ---------------------------------------------------------------- links

/// The Markdown pages whose links must resolve: README.md, ARCHITECTURE.md and docs/**/*.md.
fn documentation_pages(root: &Path) -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = ["README.md", "ARCHITECTURE.md"]
        .iter()
        .map(|p| root.join(p))
        .filter(|p| p.is_file())
        .collect();
    let docs = walkdir::WalkDir::new(root.join("docs")).sort_by_file_name();
    for entry in docs.into_iter().filter_map(Result::ok) {
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "md") {
            pages.push(entry.into_path());
        }
    }
    pages
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens; repeats
/// get `-1`, `-2`, ...
fn heading_anchors(markdown: &str) -> BTreeSet<String> {
    let mut anchors = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                heading = Some(String::new());
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(h) = &mut heading {
                    h.push_str(&text);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let text = heading.take().unwrap_or_default();
                let slug: String = text
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                    .map(|c| if c == ' ' { '-' } else { c })
                    .collect();
                let n = seen.entry(slug.clone()).or_insert(0);
                anchors.insert(if *n == 0 {
                    slug.clone()
                } else {
                    format!("{slug}-{n}")
                });
                *n += 1;
            }
            _ => {}
        }
    }
    anchors
}

/// `base/..`-free form of a path, or `None` when it climbs above its start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Every relative link or image of `page` (a path relative to `root`) that does not resolve to
/// a file or folder inside `root`, or names a heading its Markdown target does not have.
fn link_problems(root: &Path, page: &Path) -> Vec<String> {
    let rel_page = page.strip_prefix(root).unwrap_or(page);
    let text = std::fs::read_to_string(page).unwrap_or_default();
    let mut problems = Vec::new();
    for event in Parser::new_ext(&text, pulldown_cmark::Options::ENABLE_TABLES) {
        let dest = match &event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => dest_url,
            _ => continue,
        };
        if dest.contains("://") || dest.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = match dest.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor)),
            None => (dest.as_ref(), None),
        };
        let from_dir = rel_page.parent().unwrap_or(Path::new(""));
        let target = if path.is_empty() {
            Some(rel_page.to_path_buf())
        } else if path.starts_with('/') {
            None
        } else {
            normalize(&from_dir.join(path))
        };
        let Some(target) = target else {
            problems.push(format!(
                "{}: link `{dest}` leaves the repository",
                rel_page.display()
            ));
            continue;
        };
        let full = root.join(&target);
        if !full.exists() {
            problems.push(format!(
                "{}: link `{dest}` names {}, which does not exist",
                rel_page.display(),
                target.display()
            ));
            continue;
        }
        if let Some(anchor) = anchor
            && full.extension().is_some_and(|e| e == "md")
        {
            let target_text = std::fs::read_to_string(&full).unwrap_or_default();
            if !heading_anchors(&target_text).contains(anchor) {
                problems.push(format!(
                    "{}: link `{dest}`: {} has no heading with anchor #{anchor}",
                    rel_page.display(),
                    target.display()
                ));
            }
        }
    }
    problems
}

#[test]
fn documentation_links_resolve_inside_the_repository() {
    let root = repo_root();
    let pages = documentation_pages(&root);
    assert!(
        pages.iter().any(|p| p.ends_with("docs/format.md")) && pages.len() >= 4,
        "expected README.md, ARCHITECTURE.md and docs/*.md, found {pages:?}"
    );
    let problems: Vec<String> = pages.iter().flat_map(|p| link_problems(&root, p)).collect();
    assert_none("broken links in the documentation", &problems);
}

#[test]
fn the_link_check_finds_broken_links_and_anchors() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    std::fs::create_dir_all(root.join("docs")).expect("docs folder");
    std::fs::write(root.join("docs/ok.md"), "# Title\n\n## Step `two`, again\n").expect("write");
    std::fs::write(
        root.join("README.md"),
        "[fine](docs/ok.md#step-two-again) [self](#top) [gone](docs/missing.md) \
         [bad anchor](docs/ok.md#step-three) [out](../outside.md) ![img](docs/none.png) \
         [web](https://example.com/x.md)\n\n# Top\n",
    )
    .expect("write");
    let problems = link_problems(root, &root.join("README.md"));
    let expected = [
        "docs/missing.md",
        "#step-three",
        "../outside.md",
        "docs/none.png",
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for (problem, name) in problems.iter().zip(expected) {
        assert!(problem.contains(name), "{problem} should be about {name}");
    }
}

// ---------------------------------------------------------------- benchmarks

/// Whether `text` has a `YYYY-MM-DD` date.
fn has_date(text: &str) -> bool {
    text.as_bytes().windows(10).any(|w| {
        w.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
    })
}

/// Whether `text` says `commit ABCDEF0` (7 to 40 hex digits; any white space between).
fn has_commit(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).any(|pair| {
        let hex = pair[1].chars().take_while(char::is_ascii_hexdigit).count();
        pair[0] == "commit" && (7..=40).contains(&hex)
    })
}

#[test]
fn benchmark_figures_name_their_commit_and_script() {
    let page = read("docs/benchmarks.md");
    let sections: Vec<&str> = page.split("\n## ").skip(1).collect();
    assert!(
        sections.len() >= 5,
        "docs/benchmarks.md has too few sections"
    );
    for section in sections {
        if !section.lines().any(|l| l.starts_with('|')) {
            continue;
        }
        let title = section.lines().next().unwrap_or_default();
        assert!(
            has_date(section),
            "benchmarks, {title}: no date of measurement"
        );
        assert!(
            has_commit(section),
            "benchmarks, {title}: no `commit HASH` measured"
        );
        let script = section
            .split('`')
            .flat_map(str::split_whitespace)
            .find(|w| w.starts_with("scripts/") && w.ends_with(".py"));
        let script = script.unwrap_or_else(|| panic!("benchmarks, {title}: names no script"));
        assert!(
            repo_root().join(script).is_file(),
            "benchmarks, {title}: {script} does not exist"
        );
    }
    assert!(has_commit("at commit\n9fb452d,") && !has_commit("at commit 9fb4,"));
    assert!(has_date("on 2026-11-26 at") && !has_date("on 2026-1-26 at"));
}

#[test]
fn the_corpus_generator_makes_projects_that_check_clean() {
    let generator = repo_root().join("scripts/gen_corpus.py");
    for script in std::fs::read_dir(repo_root().join("scripts")).expect("scripts/") {
        let path = script.expect("scripts/ entry").path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if path == generator || !text.contains("gen_corpus.py") {
            continue;
        }
        let runs_ours = text.contains(r#""scripts", "gen_corpus.py""#)
            || text.contains(r#""scripts" / "gen_corpus.py""#);
        assert!(
            runs_ours,
            "{} does not run scripts/gen_corpus.py",
            path.display()
        );
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("corpus");
    let generated = std::process::Command::new("python3")
        .arg(&generator)
        .args(["--n", "300", "--format", "tracebook", "--out"])
        .arg(&out)
        .output()
        .expect("running python3 scripts/gen_corpus.py");
    assert!(
        generated.status.success(),
        "gen_corpus.py failed: {}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let check = crate::common::tracebook(&[
        "check",
        out.to_str().expect("UTF-8 path"),
        "--format",
        "json",
    ]);
    let lines = crate::common::json_lines(&crate::common::stdout(&check));
    let errors: Vec<_> = lines.iter().filter(|d| d["severity"] == "error").collect();
    assert!(
        errors.is_empty(),
        "errors in a generated corpus: {errors:#?}"
    );
    assert_eq!(
        crate::common::code(&check),
        0,
        "{}",
        crate::common::stderr(&check)
    );
    let items = std::fs::read_dir(out.join("content"))
        .expect("the corpus has content/")
        .count();
    assert!(items > 0, "the generated corpus has no content");
}
