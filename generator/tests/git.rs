//! The git module on real repositories, each built by the test with git2 in a temp folder.

use std::path::Path;

use git2::{IndexAddOption, Oid, Repository, Signature, Time};
use tempfile::TempDir;
use tracebook_generator::git::{GitError, ItemEventKind, Repo, check_baseline_refs};

const CONFIG: &str = "\
project: Git test
kinds:
  need: { prefix: STK, title: Stakeholder need }
  requirement: { prefix: SYS, title: System requirement }
links:
  derives_from: { from: [requirement], to: [need] }
";

const NEEDS: &str = "\
- { id: STK-001, kind: need, title: Hear the alarm }
- { id: STK-002, kind: need, title: See the rate }
";

/// A work tree with a repository; commits get increasing, fixed times so order is stable.
struct TestRepo {
    dir: TempDir,
    repo: Repository,
    clock: i64,
}

impl TestRepo {
    fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = Repository::init(dir.path()).expect("git init");
        TestRepo {
            dir,
            repo,
            clock: 1_790_000_000,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, path: &str, text: &str) -> &TestRepo {
        let path = self.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
        self
    }

    fn remove(&self, path: &str) -> &TestRepo {
        std::fs::remove_file(self.path().join(path)).expect("remove");
        self
    }

    /// Commits the whole work tree (additions and deletions), like `git add -A && git commit`.
    fn commit(&mut self, message: &str) -> Oid {
        let parent = self.repo.head().ok().and_then(|h| h.target());
        self.commit_with(message, Some("HEAD"), &Vec::from_iter(parent))
    }

    /// Commits the work tree with explicit parents, moving `update_ref` if given.
    fn commit_with(&mut self, message: &str, update_ref: Option<&str>, parents: &[Oid]) -> Oid {
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
        let parents: Vec<_> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).expect("parent"))
            .collect();
        let parents: Vec<_> = parents.iter().collect();
        self.repo
            .commit(update_ref, &who, &who, message, &tree, &parents)
            .expect("commit")
    }

    fn tag(&self, name: &str, commit: Oid) {
        let object = self.repo.find_object(commit, None).expect("object");
        self.repo
            .tag_lightweight(name, &object, false)
            .expect("tag");
    }

    fn annotated_tag(&self, name: &str, commit: Oid) {
        let object = self.repo.find_object(commit, None).expect("object");
        let who = Signature::new("Ada", "ada@example.com", &Time::new(self.clock, 0)).expect("sig");
        self.repo
            .tag(name, &object, &who, "release", false)
            .expect("annotated tag");
    }
}

fn requirement(id: &str, title: &str) -> String {
    format!(
        "---\nid: {id}\nkind: requirement\ntitle: {title}\nlinks:\n  derives_from: [STK-001]\n---\nThe pump shall do it.\n"
    )
}

/// The commits of the story every history test tells, under `prefix` of the repository.
struct Story {
    added: Oid,
    edited: Oid,
    renamed: Oid,
    split: Oid,
    deleted: Oid,
}

fn tell_story(t: &mut TestRepo, prefix: &str) -> Story {
    let p = |path: &str| format!("{prefix}{path}");
    t.write(&p("tracebook.yaml"), CONFIG)
        .write(&p("content/needs.yaml"), NEEDS)
        .write(
            &p("content/system/SYS-001.md"),
            &requirement("SYS-001", "Occlusion alarm"),
        );
    let added = t.commit("Add needs and SYS-001");
    t.tag("v1", added);
    t.write(
        &p("content/system/SYS-001.md"),
        &requirement("SYS-001", "Occlusion alarm latency"),
    );
    let edited = t.commit("Retitle SYS-001");
    t.annotated_tag("v2", edited);
    t.remove(&p("content/system/SYS-001.md")).write(
        &p("content/sys/SYS-001.md"),
        &requirement("SYS-001", "Occlusion alarm latency"),
    );
    let renamed = t.commit("Move SYS-001 to sys/");
    t.write(
        &p("content/needs.yaml"),
        &NEEDS[..NEEDS.find("- { id: STK-002").expect("STK-002")],
    )
    .write(
        &p("content/needs/STK-002.md"),
        "---\nid: STK-002\nkind: need\ntitle: See the rate\n---\n",
    );
    let split = t.commit("Give STK-002 its own file");
    t.remove(&p("content/sys/SYS-001.md")).write(
        &p("content/sys/SYS-002.md"),
        &requirement("SYS-002", "Air alarm"),
    );
    let deleted = t.commit("Replace SYS-001 by SYS-002");
    t.write(
        &p("tracebook.yaml"),
        &CONFIG.replace("Git test", "Git test, renamed"),
    );
    t.commit("Rename the project");
    // The work tree now differs from every commit.
    t.write(
        &p("content/sys/SYS-002.md"),
        &requirement("SYS-002", "Uncommitted title"),
    );
    Story {
        added,
        edited,
        renamed,
        split,
        deleted,
    }
}

fn open(root: &Path) -> Repo {
    Repo::discover(root)
        .expect("discover")
        .expect("a repository")
}

fn title(project: &tracebook_model::Project, id: &str) -> Option<String> {
    project.item(id).map(|item| item.title.clone())
}

#[test]
fn loads_the_project_as_it_was_at_a_tag() {
    let mut t = TestRepo::new();
    tell_story(&mut t, "");
    let repo = open(t.path());

    let v1 = repo
        .project_at(&repo.resolve("v1").expect("v1"))
        .expect("project at v1");
    assert_eq!(title(&v1, "SYS-001").as_deref(), Some("Occlusion alarm"));
    assert_eq!(v1.items.len(), 3);
    assert!(v1.diagnostics.is_empty(), "{:?}", v1.diagnostics);
    assert_eq!(
        &*v1.item("SYS-001").expect("SYS-001").source.file,
        "content/system/SYS-001.md"
    );

    let v2 = repo
        .project_at(&repo.resolve("v2").expect("annotated v2"))
        .expect("v2");
    assert_eq!(
        title(&v2, "SYS-001").as_deref(),
        Some("Occlusion alarm latency")
    );

    let head = repo
        .project_at(&repo.resolve("HEAD").expect("HEAD"))
        .expect("HEAD");
    assert_eq!(title(&head, "SYS-001"), None);
    assert_eq!(title(&head, "SYS-002").as_deref(), Some("Air alarm"));
    assert_eq!(head.config.project, "Git test, renamed");
}

#[test]
fn resolves_commit_info() {
    let mut t = TestRepo::new();
    let story = tell_story(&mut t, "");
    let repo = open(t.path());
    let info = repo.resolve("v2").expect("v2");
    assert_eq!(info.id, story.edited.to_string());
    assert_eq!(info.short, &info.id[..8]);
    assert_eq!(info.subject, "Retitle SYS-001");
    assert_eq!(info.author, "Ada");
    assert_eq!(info.date, "2026-09-21");
    assert_eq!(
        repo.resolve("HEAD~5").expect("HEAD~5").id,
        story.added.to_string()
    );
}

#[test]
fn follows_items_across_renames_moves_and_deletions() {
    let mut t = TestRepo::new();
    let story = tell_story(&mut t, "");
    let history = open(t.path()).history().expect("history");

    let ids: Vec<&str> = history.commits.iter().map(|c| c.id.as_str()).collect();
    let expected: Vec<String> = [
        story.deleted,
        story.split,
        story.renamed,
        story.edited,
        story.added,
    ]
    .iter()
    .map(Oid::to_string)
    .collect();
    assert_eq!(
        ids, expected,
        "only commits that touched items, newest first"
    );

    let events = |id: &str| -> Vec<(String, ItemEventKind, String)> {
        history
            .of(id)
            .iter()
            .map(|e| {
                (
                    history.commits[e.commit].subject.clone(),
                    e.kind,
                    e.file.clone(),
                )
            })
            .collect()
    };
    let e = |subject: &str, kind, file: &str| (subject.to_owned(), kind, file.to_owned());
    use ItemEventKind::*;
    assert_eq!(
        events("SYS-001"),
        [
            e(
                "Replace SYS-001 by SYS-002",
                Removed,
                "content/sys/SYS-001.md"
            ),
            e("Move SYS-001 to sys/", Moved, "content/sys/SYS-001.md"),
            e("Retitle SYS-001", Modified, "content/system/SYS-001.md"),
            e("Add needs and SYS-001", Added, "content/system/SYS-001.md"),
        ]
    );
    assert_eq!(
        events("STK-002"),
        [
            e(
                "Give STK-002 its own file",
                Moved,
                "content/needs/STK-002.md"
            ),
            e("Add needs and SYS-001", Added, "content/needs.yaml"),
        ]
    );
    assert_eq!(
        events("STK-001"),
        [e("Add needs and SYS-001", Added, "content/needs.yaml")]
    );
    assert_eq!(
        events("SYS-002"),
        [e(
            "Replace SYS-001 by SYS-002",
            Added,
            "content/sys/SYS-002.md"
        )]
    );
    assert!(history.of("SYS-999").is_empty());
}

#[test]
fn parses_each_unchanged_file_once_across_refs() {
    let mut t = TestRepo::new();
    tell_story(&mut t, "");
    let repo = open(t.path());
    repo.project_at(&repo.resolve("v1").expect("v1"))
        .expect("v1");
    assert_eq!(repo.parsed_files(), 2, "needs.yaml and SYS-001.md");
    repo.project_at(&repo.resolve("v2").expect("v2"))
        .expect("v2");
    assert_eq!(repo.parsed_files(), 3, "only SYS-001.md changed");
    repo.project_at(&repo.resolve("v1").expect("v1"))
        .expect("v1 again");
    assert_eq!(repo.parsed_files(), 3);
}

#[test]
fn works_for_a_project_in_a_sub_folder() {
    let mut t = TestRepo::new();
    t.write("README.md", "not a project file\n");
    let story = tell_story(&mut t, "docs/spec/");
    let repo = open(&t.path().join("docs/spec"));
    assert_eq!(repo.prefix(), "docs/spec/");

    let v1 = repo
        .project_at(&repo.resolve("v1").expect("v1"))
        .expect("v1");
    assert_eq!(title(&v1, "SYS-001").as_deref(), Some("Occlusion alarm"));
    assert_eq!(
        &*v1.item("STK-001").expect("STK-001").source.file,
        "content/needs.yaml"
    );

    let history = repo.history().expect("history");
    assert_eq!(history.commits.len(), 5);
    let moved = &history.of("STK-002")[0];
    assert_eq!(history.commits[moved.commit].id, story.split.to_string());
    assert_eq!(
        (moved.kind, moved.file.as_str()),
        (ItemEventKind::Moved, "content/needs/STK-002.md")
    );
}

#[test]
fn reports_an_unknown_ref() {
    let mut t = TestRepo::new();
    tell_story(&mut t, "");
    let repo = open(t.path());
    match repo.resolve("v9") {
        Err(GitError::UnknownRef { spec, .. }) => assert_eq!(spec, "v9"),
        other => panic!("expected UnknownRef, got {other:?}"),
    }
}

#[test]
fn load_reports_baselines_whose_ref_does_not_resolve() {
    let mut t = TestRepo::new();
    tell_story(&mut t, "");
    t.write("baselines/R1.yaml", "name: R1\nref: v1\n")
        .write("baselines/R9.yaml", "name: R9\nref:   v9\n");
    let project = tracebook_generator::load(t.path()).expect("load");
    let found: Vec<String> = project
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [
            "baselines/R9.yaml:2:8: error[E0303]: baseline R9: ref `v9` is not a tag, branch or commit of this repository"
        ]
    );
    let hint = project.diagnostics[0].hint.as_deref();
    assert_eq!(
        hint,
        Some("create the tag (`git tag v9 <commit>`) or fix `ref:`")
    );
}

#[test]
fn every_baseline_is_unresolved_outside_a_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(Repo::discover(dir.path()).expect("discover").is_none());
    let mut project = tracebook_model::Project::from_memory([
        ("tracebook.yaml", CONFIG.as_bytes()),
        ("baselines/R1.yaml", b"name: R1\nref: v1\n".as_slice()),
    ]);
    check_baseline_refs(dir.path(), &mut project);
    let found: Vec<String> = project
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [
            "baselines/R1.yaml:2:6: error[E0303]: baseline R1: ref `v1` cannot be resolved: the project is not in a git repository"
        ]
    );
}

#[test]
fn credits_a_merged_branch_to_the_merge_commit() {
    let mut t = TestRepo::new();
    t.write("tracebook.yaml", CONFIG)
        .write("content/needs.yaml", NEEDS)
        .write("content/SYS-001.md", &requirement("SYS-001", "Old title"));
    let base = t.commit("Start");
    t.write("content/SYS-001.md", &requirement("SYS-001", "New title"));
    let branch = t.commit_with("Retitle on a branch", None, &[base]);
    t.write("content/SYS-001.md", &requirement("SYS-001", "Old title"))
        .write("content/SYS-002.md", &requirement("SYS-002", "Air alarm"));
    let main = t.commit("Add SYS-002 on main");
    t.write("content/SYS-001.md", &requirement("SYS-001", "New title"));
    let merge = t.commit_with("Merge the branch", Some("HEAD"), &[main, branch]);

    let history = open(t.path()).history().expect("history");
    let ids: Vec<String> = history.commits.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, [merge, main, base].map(|c| c.to_string()));
    let kinds: Vec<_> = history
        .of("SYS-001")
        .iter()
        .map(|e| (e.commit, e.kind))
        .collect();
    assert_eq!(
        kinds,
        [(0, ItemEventKind::Modified), (2, ItemEventKind::Added)]
    );
    assert_eq!(history.of("SYS-002").len(), 1);
}

#[test]
fn history_of_an_empty_repository_is_empty() {
    let t = TestRepo::new();
    let history = open(t.path()).history().expect("history");
    assert!(history.commits.is_empty() && history.items.is_empty());
}

/// Timing: 10k items in 100 folders, 1,000 commits of 3 files each, first with loose objects
/// (as just committed), then packed (as cloned or after `git gc`). Run with
/// `cargo test --release -p tracebook-generator --test git -- --ignored --nocapture`.
/// Every event of a history as comparable text: commit id, item, kind, file, fingerprint.
fn flatten(history: &tracebook_generator::git::History) -> Vec<String> {
    let mut events: Vec<String> = history
        .items
        .iter()
        .flat_map(|(id, events)| {
            events.iter().map(move |e| {
                let commit = &history.commits[e.commit].id;
                format!("{commit} {id} {:?} {} {}", e.kind, e.file, e.fingerprint)
            })
        })
        .collect();
    events.sort();
    events
}

#[test]
fn history_from_the_commit_cache_equals_a_fresh_walk() {
    let mut t = TestRepo::new();
    tell_story(&mut t, "");
    let cache = t.path().join(".tracebook/history-steps.json");
    let fresh = flatten(&open(t.path()).history().expect("history"));
    assert!(cache.is_file(), "the walk keeps what each commit changed");
    let cached = flatten(&open(t.path()).history().expect("history from the cache"));
    assert_eq!(fresh, cached);
    // A damaged cache is ignored and rewritten, never trusted.
    std::fs::write(&cache, b"{ not json").expect("damage");
    assert_eq!(fresh, flatten(&open(t.path()).history().expect("history")));
    let text = std::fs::read_to_string(&cache).expect("rewritten");
    assert!(text.starts_with("{\"version\":1"), "{text}");
}
