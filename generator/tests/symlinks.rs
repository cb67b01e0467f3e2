//! Symbolic links under `content/`, `baselines/`, `results/` and in a theme are never followed,
//! by any loader (full, incremental, from git objects): a link could publish any file the
//! process can read. Each link is named by a warning instead.

use std::path::Path;

use git2::{IndexAddOption, Repository, Signature};
use tracebook_generator::git::Repo;
use tracebook_generator::{Changes, SiteBuilder, SiteOptions, Theme, load};
use tracebook_model::Project;

const CONFIG: &str = "project: Links\nkinds:\n  need: { prefix: STK, title: Need }\n";

/// A valid item, so that following the link would load it without complaint.
const OUTSIDE_ITEM: &str =
    "---\nid: STK-900\nkind: need\ntitle: OUTSIDE SECRET\n---\nRead from outside.\n";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A project in `dir/project` with one item, and a file and a folder of items outside it.
fn project(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("project");
    write(&root, "tracebook.yaml", CONFIG);
    write(
        &root,
        "content/needs/STK-001.md",
        "---\nid: STK-001\nkind: need\ntitle: Inside\n---\n",
    );
    write(dir, "outside/STK-900.md", OUTSIDE_ITEM);
    write(
        dir,
        "outside/more/STK-901.md",
        "---\nid: STK-901\nkind: need\ntitle: OUTSIDE FOLDER\n---\n",
    );
    write(dir, "outside/baseline.yaml", "name: v1\nref: HEAD\n");
    write(
        dir,
        "outside/junit.xml",
        "<testsuite name=\"s\" tests=\"0\"/>\n",
    );
    root
}

fn link(target: &Path, root: &Path, rel: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::os::unix::fs::symlink(target, path).expect("symlink");
}

/// The project-relative files the symlink warnings (E0006) name.
fn named_links(project: &Project) -> Vec<String> {
    let mut named: Vec<String> = project
        .diagnostics
        .iter()
        .filter(|d| d.code.0 == "E0006")
        .map(|d| {
            assert!(!d.is_error(), "a link is a warning: {d:?}");
            assert!(d.hint.is_some(), "with a hint on what to do");
            d.span.file.to_string()
        })
        .collect();
    named.sort();
    named
}

fn assert_only_inside(project: &Project) {
    let ids: Vec<&str> = project.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["STK-001"], "{:?}", project.diagnostics);
}

#[test]
fn the_full_loader_names_links_and_reads_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    let outside = dir.path().join("outside");
    link(
        &outside.join("STK-900.md"),
        &root,
        "content/needs/STK-900.md",
    );
    link(&outside.join("more"), &root, "content/more");
    link(&outside.join("baseline.yaml"), &root, "baselines/v1.yaml");
    link(&outside.join("junit.xml"), &root, "results/junit.xml");
    let project = load(&root).expect("load");
    assert_only_inside(&project);
    assert!(project.baselines.is_empty());
    assert_eq!(
        named_links(&project),
        [
            "baselines/v1.yaml",
            "content/more",
            "content/needs/STK-900.md",
            "results/junit.xml"
        ]
    );
}

#[test]
fn a_linked_content_folder_is_not_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    std::fs::remove_dir_all(root.join("content")).expect("rm");
    link(&dir.path().join("outside"), &root, "content");
    let project = load(&root).expect("load");
    assert!(project.items.is_empty(), "{:?}", project.items);
    assert_eq!(named_links(&project), ["content"]);
}

#[test]
fn the_incremental_loader_names_links_it_is_told_about_and_reads_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    let out = dir.path().join("site");
    let mut builder = SiteBuilder::new(
        &root,
        &out,
        Theme::embedded().expect("theme"),
        SiteOptions::default(),
    );
    builder.load(&Changes::Unknown).expect("first load");
    let outside = dir.path().join("outside");
    link(
        &outside.join("STK-900.md"),
        &root,
        "content/needs/STK-900.md",
    );
    link(&outside.join("more"), &root, "content/more");
    let changes = Changes::Paths(vec![
        root.join("content/needs/STK-900.md"),
        root.join("content/more"),
        // An event for a file below a linked folder must not reach through the link either.
        root.join("content/more/STK-901.md"),
    ]);
    let project = builder.load(&changes).expect("incremental load");
    assert_only_inside(project);
    assert_eq!(
        named_links(project),
        ["content/more", "content/needs/STK-900.md"]
    );
    // Removing the links removes the warnings.
    std::fs::remove_file(root.join("content/needs/STK-900.md")).expect("rm");
    std::fs::remove_file(root.join("content/more")).expect("rm");
    let changes = Changes::Paths(vec![
        root.join("content/needs/STK-900.md"),
        root.join("content/more"),
    ]);
    let project = builder.load(&changes).expect("incremental load");
    assert_only_inside(project);
    assert_eq!(named_links(project), Vec::<String>::new());
}

#[test]
fn the_git_loader_names_link_blobs_and_reads_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = project(dir.path());
    // Inside the repository this time, so that the link's target is in the commit too: the
    // loader must not resolve it even then.
    write(&root, "elsewhere/STK-900.md", OUTSIDE_ITEM);
    link(
        Path::new("../../elsewhere/STK-900.md"),
        &root,
        "content/needs/STK-900.md",
    );
    let repo = Repository::init(&root).expect("init");
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("write index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let sig = Signature::now("T", "t@example.com").expect("sig");
    repo.commit(Some("HEAD"), &sig, &sig, "links", &tree, &[])
        .expect("commit");
    let entry = tree
        .get_path(Path::new("content/needs/STK-900.md"))
        .expect("entry");
    assert_eq!(entry.filemode(), 0o120_000, "committed as a link");
    let git = Repo::discover(&root).expect("discover").expect("a repo");
    let head = git.resolve("HEAD").expect("HEAD");
    let project = git.project_at(&head).expect("project at HEAD");
    assert_only_inside(&project);
    assert_eq!(named_links(&project), ["content/needs/STK-900.md"]);
}

#[test]
fn a_theme_with_a_link_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let theme = dir.path().join("theme");
    for file in ["templates/base.html", "static/style.css"] {
        write(&theme, file, "x");
    }
    write(dir.path(), "secret.txt", "OUTSIDE SECRET");
    link(&dir.path().join("secret.txt"), &theme, "static/leak.txt");
    let err = match Theme::load(&theme) {
        Ok(_) => panic!("a theme with a link loaded"),
        Err(err) => err.to_string(),
    };
    assert!(err.contains("static/leak.txt"), "{err}");
    assert!(err.contains("link"), "{err}");
}
