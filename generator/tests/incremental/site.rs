//! Site folders compared file by file, full reference builds, and the git repository around a
//! project.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use git2::{IndexAddOption, Oid, Repository, Signature, Time};
use tracebook_generator::{Changes, SiteBuilder, SiteOptions, Theme};
use tracebook_model::Code;

/// Every file (relative path → bytes) and folder of a site.
#[derive(PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) files: BTreeMap<String, Vec<u8>>,
    pub(crate) dirs: BTreeSet<String>,
}

pub(crate) fn snapshot(dir: &Path) -> Snapshot {
    let mut files = BTreeMap::new();
    let mut dirs = BTreeSet::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.expect("walk site");
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("inside")
            .to_string_lossy()
            .replace('\\', "/");
        if entry.file_type().is_dir() {
            dirs.insert(rel);
        } else {
            files.insert(rel, std::fs::read(entry.path()).expect("read site file"));
        }
    }
    Snapshot { files, dirs }
}

/// Fails with the first difference between `actual` and `expected` (a file or folder only one
/// has, or a file's first differing lines), prefixed by `what`.
#[track_caller]
pub(crate) fn assert_same(actual: &Snapshot, expected: &Snapshot, what: &str) {
    if let Some(diff) = first_difference(actual, expected) {
        panic!(
            "{what}: the sites differ ({} files vs {} expected)\n{diff}",
            actual.files.len(),
            expected.files.len()
        );
    }
}

pub(crate) fn first_difference(actual: &Snapshot, expected: &Snapshot) -> Option<String> {
    let names: BTreeSet<&String> = actual.files.keys().chain(expected.files.keys()).collect();
    for name in names {
        match (actual.files.get(name), expected.files.get(name)) {
            (Some(a), Some(e)) if a == e => {}
            (Some(a), Some(e)) => return Some(format!("{name} differs:\n{}", context(a, e))),
            (Some(_), None) => return Some(format!("{name} is left over (not in the full build)")),
            (None, _) => return Some(format!("{name} is missing (the full build has it)")),
        }
    }
    if let Some(dir) = actual.dirs.difference(&expected.dirs).next() {
        return Some(format!("folder {dir}/ is left over (empty)"));
    }
    if let Some(dir) = expected.dirs.difference(&actual.dirs).next() {
        return Some(format!("folder {dir}/ is missing"));
    }
    None
}

/// The lines around the first differing byte of two files.
fn context(actual: &[u8], expected: &[u8]) -> String {
    let at = actual
        .iter()
        .zip(expected)
        .position(|(a, e)| a != e)
        .unwrap_or(actual.len().min(expected.len()));
    let line = actual[..at].iter().filter(|b| **b == b'\n').count();
    let mut out = format!("first difference at byte {at}, line {}\n", line + 1);
    for (label, bytes) in [("incremental", actual), ("full", expected)] {
        let text = String::from_utf8_lossy(bytes);
        let _ = writeln!(out, "--- {label}:");
        for (n, text) in text
            .lines()
            .enumerate()
            .skip(line.saturating_sub(2))
            .take(5)
        {
            let short: String = text.chars().take(240).collect();
            let _ = writeln!(out, "{:>5} | {short}", n + 1);
        }
    }
    out
}

/// A full build of `root` into the fresh folder `out`, the way `tracebook build --full` does
/// it: load from disk, timeline from git (when `git`), render everything, publish. Returns the
/// codes of the project's diagnostics.
pub(crate) fn full_build(root: &Path, theme: Theme, git: bool, out: &Path) -> Vec<Code> {
    if out.exists() {
        std::fs::remove_dir_all(out).expect("remove the previous full build");
    }
    let options = SiteOptions {
        git,
        full: true,
        ..SiteOptions::default()
    };
    let mut builder = SiteBuilder::new(root, out, theme, options);
    builder
        .build(&Changes::Unknown, &|| ())
        .expect("full build");
    let project = builder.project().expect("loaded");
    project.diagnostics.iter().map(|d| d.code).collect()
}

/// The repository of a project; commits get increasing fixed times, so ids are stable.
pub(crate) struct Git {
    repo: Repository,
    clock: i64,
}

impl Git {
    pub(crate) fn init(root: &Path) -> Git {
        Git {
            repo: Repository::init(root).expect("git init"),
            clock: 1_790_000_000,
        }
    }

    /// Commits the whole work tree, like `git add -A && git commit`.
    pub(crate) fn commit(&mut self, message: &str) -> Oid {
        let mut index = self.repo.index().expect("index");
        index
            .add_all(["*"], IndexAddOption::DEFAULT, None)
            .expect("add");
        index.update_all(["*"], None).expect("update");
        index.write().expect("write index");
        let tree = self
            .repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("find tree");
        self.clock += 3_600;
        let who = Signature::new("Ada", "ada@example.com", &Time::new(self.clock, 0)).expect("sig");
        let parent = self.repo.head().ok().and_then(|h| h.target());
        let parents: Vec<_> = parent
            .map(|p| self.repo.find_commit(p).expect("parent"))
            .into_iter()
            .collect();
        let parents: Vec<_> = parents.iter().collect();
        self.repo
            .commit(Some("HEAD"), &who, &who, message, &tree, &parents)
            .expect("commit")
    }

    pub(crate) fn tag(&self, name: &str, commit: Oid) {
        let object = self.repo.find_object(commit, None).expect("object");
        self.repo
            .tag_lightweight(name, &object, false)
            .expect("tag");
    }
}
