//! What a site says about its build: the commit on every page and in `build-info.json`, and
//! edit links only when the build asks for them. Projects are fixtures copied into temp
//! folders, committed with git2 where the test needs a repository.

use std::path::{Path, PathBuf};

use git2::{IndexAddOption, Repository, Signature};
use scraper::{Html, Selector};
use tempfile::TempDir;
use tracebook_generator::{BuildInfo, Changes, SiteBuilder, SiteOptions, Theme};

/// The fixture `rel`, copied to `DIR/project`; committed when `commit`.
fn project(rel: &str, commit: bool) -> (TempDir, PathBuf) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("project");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.expect("walk");
        let target = root.join(entry.path().strip_prefix(&from).expect("prefix"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
    if commit {
        let repo = Repository::init(&root).expect("init");
        let mut index = repo.index().expect("index");
        index
            .add_all(["*"], IndexAddOption::DEFAULT, None)
            .expect("add");
        index.write().expect("write index");
        let tree = repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("find tree");
        let who = Signature::now("Ada", "ada@example.com").expect("signature");
        repo.commit(Some("HEAD"), &who, &who, "initial", &tree, &[])
            .expect("commit");
    }
    (dir, root)
}

fn head(root: &Path) -> String {
    let repo = Repository::open(root).expect("open");
    let commit = repo.head().expect("head").peel_to_commit().expect("commit");
    commit.id().to_string()
}

/// Builds `root` into `DIR/site` the way `tracebook build --full` does, with `edit_links`.
fn build(root: &Path, edit_links: bool) -> PathBuf {
    let out = root.parent().expect("parent").join("site");
    let options = SiteOptions {
        edit_links,
        git: true,
        full: true,
        ..SiteOptions::default()
    };
    let theme = Theme::embedded().expect("theme");
    let mut builder = SiteBuilder::new(root, &out, theme, options);
    let built = builder.build(&Changes::Unknown, &|| ());
    let diagnostics = builder.project().map(|p| &p.diagnostics);
    built.unwrap_or_else(|err| panic!("build: {err} {diagnostics:?}"));
    out
}

fn html_pages(site: &Path) -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = walkdir::WalkDir::new(site)
        .into_iter()
        .map(|e| e.expect("walk").into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    pages.sort();
    assert!(pages.len() > 5, "only {} pages", pages.len());
    pages
}

fn select<'d>(page: &'d Html, css: &str) -> Vec<scraper::ElementRef<'d>> {
    page.select(&Selector::parse(css).expect("selector"))
        .collect()
}

fn parse(path: &Path) -> Html {
    Html::parse_document(&std::fs::read_to_string(path).expect("read page"))
}

#[test]
fn every_page_shows_the_commit_it_was_built_from() {
    let (_dir, root) = project("valid/minimal", true);
    let commit = head(&root);
    let site = build(&root, false);
    // Every page links the stylesheet that names the commit, and its footer links
    // build-info.json; the commit itself is in that one file (a commit must not change every
    // page).
    for path in html_pages(&site) {
        let page = parse(&path);
        let styles = select(&page, "link[rel=stylesheet][href$=\"assets/build.css\"]");
        assert_eq!(styles.len(), 1, "{}", path.display());
        let link = select(&page, "footer a.built-from");
        assert_eq!(link.len(), 1, "{}", path.display());
        let href = link[0].value().attr("href").expect("href");
        assert!(href.ends_with("build-info.json"), "{href}");
        let target = path.parent().expect("folder").join(href);
        assert!(target.exists(), "{} links {href}", path.display());
    }
    let css = std::fs::read_to_string(site.join("assets/build.css")).expect("build.css");
    assert!(
        css.contains(&format!("content: \" from commit {}\"", &commit[..8])),
        "{css}"
    );
    assert!(!css.contains("uncommitted"), "{css}");
    let info = BuildInfo::read(&site).expect("build-info.json");
    assert_eq!(
        info,
        BuildInfo {
            commit: Some(commit),
            has_uncommitted_changes: false,
            has_edit_links: false,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    );
    assert!(info.is_this_version());
}

#[test]
fn uncommitted_project_changes_are_marked_and_others_are_not() {
    let (_dir, root) = project("valid/minimal", true);
    // A file outside the project's paths does not make the site differ from the commit.
    std::fs::write(root.join("notes.txt"), "scratch").expect("write");
    let site = build(&root, false);
    let info = BuildInfo::read(&site).expect("build-info.json");
    assert!(!info.has_uncommitted_changes);

    let file = root.join("content/needs/STK-001.md");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replace("title:", "title: Changed")).expect("write");
    let site = build(&root, false);
    let info = BuildInfo::read(&site).expect("build-info.json");
    assert!(info.has_uncommitted_changes);
    assert_eq!(info.commit, Some(head(&root)));
    let css = std::fs::read_to_string(site.join("assets/build.css")).expect("build.css");
    let short = &head(&root)[..8];
    let named = format!("content: \" from commit {short} with uncommitted changes\"");
    assert!(css.contains(&named), "{css}");
}

#[test]
fn outside_git_pages_name_no_commit() {
    let (_dir, root) = project("valid/minimal", false);
    let site = build(&root, false);
    let css = std::fs::read_to_string(site.join("assets/build.css")).expect("build.css");
    assert!(!css.contains("from commit"), "{css}");
    assert!(css.contains(".built-from { display: none; }"), "{css}");
    let info = BuildInfo::read(&site).expect("build-info.json");
    assert_eq!(info.commit, None);
    assert!(!info.has_uncommitted_changes);
}

#[test]
fn edit_links_appear_on_item_pages_only_when_asked_for() {
    let (_dir, root) = project("valid/minimal", true);
    let site = build(&root, false);
    for path in html_pages(&site) {
        let page = parse(&path);
        assert!(
            select(&page, "a.edit-link").is_empty(),
            "{}",
            path.display()
        );
    }

    let site = build(&root, true);
    assert!(
        BuildInfo::read(&site)
            .expect("build-info.json")
            .has_edit_links
    );
    let mut items = 0;
    for path in html_pages(&site) {
        let page = parse(&path);
        let links = select(&page, "a.edit-link");
        let rel = path.strip_prefix(&site).expect("prefix");
        let is_item = rel.starts_with("items");
        if is_item {
            items += 1;
            assert_eq!(links.len(), 1, "{}", rel.display());
            // Relative to items/<ID>/index.html: the server's /items/<ID>/edit.
            assert_eq!(links[0].value().attr("href"), Some("edit"));
        } else {
            assert!(links.is_empty(), "{}", rel.display());
        }
    }
    assert_eq!(items, 6);
}

#[test]
fn builds_of_one_commit_stay_identical() {
    let (_dir, root) = project("valid/minimal", true);
    let read = |site: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<_> = walkdir::WalkDir::new(site)
            .into_iter()
            .map(|e| e.expect("walk"))
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(site).expect("prefix").to_path_buf();
                (rel, std::fs::read(e.path()).expect("read"))
            })
            .collect();
        files.sort();
        files
    };
    let first = read(&build(&root, true));
    let second = read(&build(&root, true));
    assert!(first == second, "two builds of one commit differ");
}
