//! Incremental builds against full builds. A seeded random project (`incremental/project.rs`)
//! gets a random sequence of edits (`incremental/edits.rs`: bodies, titles, statuses, fields,
//! links, items, files, folders, the schema, readiness rules, a broken file; test results in
//! `incremental/results.rs`: results files and runs added, edited and deleted, cases that
//! flip, `results:` entries added and removed); after each one the site an
//! incremental build leaves must be, byte for byte and folder for folder, the site a full build
//! of the same tree makes (`incremental/site.rs`). Variants: one long-lived builder told which
//! paths changed; a new builder per build (separate `tracebook build` runs, state carried on
//! disk) told nothing, which must also render only what changed; a project in git with
//! baselines; a theme swapped under a builder; site folders removed behind a builder's back.
//! Bugs the scenarios found get a small deterministic test of their own.
//!
//! `TRACEBOOK_SEED=<n>` replays the scenarios with another seed; failures name seed and step.

// The support modules live in `tests/incremental/`, beside this file.
#[path = "incremental/edits.rs"]
mod edits;
#[path = "incremental/project.rs"]
mod project;
#[path = "incremental/results.rs"]
mod results;
#[path = "incremental/site.rs"]
mod site;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tempfile::TempDir;
use tracebook_generator::{
    Changes, Error, Result, SiteBuild, SiteBuilder, SiteOptions, Theme, load,
};
use tracebook_model::Code;
use tracebook_model::diagnostic::codes::{
    COVERAGE_RULE_VIOLATED, CYCLE, EVIDENCE_FAILED, EVIDENCE_MISSING, SUSPECT_LINK,
    UNKNOWN_LINK_TARGET, YAML_SYNTAX,
};

use edits::{Edit, apply, break_file, schedule};
use project::{Project, Rng};
use site::{Git, assert_same, full_build, snapshot};

fn seed() -> u64 {
    std::env::var("TRACEBOOK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_127)
}

/// A temporary folder, in memory when the system has a tmpfs at `/dev/shm`: the scenarios make
/// tens of thousands of file operations, which took 30 s on this project's build machine's
/// disk and 5 s in memory. Builds need nothing of the file system beyond hard links, renames
/// and change times, which tmpfs has.
fn tempdir() -> TempDir {
    let shm = Path::new("/dev/shm");
    let in_memory = shm
        .is_dir()
        .then(|| tempfile::tempdir_in(shm).ok())
        .flatten();
    in_memory.unwrap_or_else(|| tempfile::tempdir().expect("tempdir"))
}

/// A project on disk, its model, the live site folder and a folder for reference builds.
struct Scenario {
    _dir: TempDir,
    root: PathBuf,
    out: PathBuf,
    full: PathBuf,
    seed: u64,
    rng: Rng,
    project: Project,
    /// The repository, and the chance in percent that an edit is committed.
    git: Option<(Git, u64)>,
    /// The theme folder of reference builds (`None`: the embedded theme).
    theme: Option<PathBuf>,
    /// The chance in percent that a second edit lands before a build.
    batch_percent: u64,
    seen: Vec<Edit>,
    /// Diagnostic codes of the projects built so far (from the full builds, and the broken
    /// projects).
    codes: BTreeSet<Code>,
}

/// Builds the live site after an edit, given the paths it touched.
type BuildFn<'a> = dyn FnMut(&Scenario, Vec<PathBuf>) -> Result<SiteBuild> + 'a;

impl Scenario {
    fn new(seed: u64) -> Scenario {
        let dir = tempdir();
        let root = dir.path().join("project");
        let mut rng = Rng::new(seed);
        let project = Project::generate(&mut rng);
        project.write_all(&root);
        Scenario {
            out: dir.path().join("site"),
            full: dir.path().join("full"),
            _dir: dir,
            root,
            seed,
            rng,
            project,
            git: None,
            theme: None,
            batch_percent: 20,
            seen: Vec::new(),
            codes: BTreeSet::new(),
        }
    }

    fn paths(&self, rels: &[String]) -> Vec<PathBuf> {
        rels.iter().map(|rel| self.root.join(rel)).collect()
    }

    fn builder(&self, options: SiteOptions) -> SiteBuilder {
        let theme = Theme::embedded().expect("theme");
        SiteBuilder::new(&self.root, &self.out, theme, options)
    }

    /// Makes `edit` on disk (a title change when it does not apply to the project as it is),
    /// commits it sometimes when in git; returns the touched paths.
    fn edit(&mut self, edit: Edit) -> (Edit, Vec<String>) {
        let (edit, touched) = match apply(&mut self.project, &mut self.rng, edit) {
            Some(touched) => (edit, touched),
            None => {
                let touched = apply(&mut self.project, &mut self.rng, Edit::Title);
                (Edit::Title, touched.expect("a title can always change"))
            }
        };
        self.project.sync(&self.root, &touched);
        self.seen.push(edit);
        if let Some((git, percent)) = &mut self.git
            && self.rng.chance(*percent)
        {
            git.commit(&format!("{edit:?}"));
        }
        (edit, touched)
    }

    /// Asserts that the live site is the site a full build of the tree makes now.
    #[track_caller]
    fn assert_matches_full(&mut self, what: &str) {
        let theme = match &self.theme {
            Some(dir) => Theme::load(dir).expect("theme of reference builds"),
            None => Theme::embedded().expect("theme"),
        };
        let codes = full_build(&self.root, theme, self.git.is_some(), &self.full);
        self.codes.extend(codes);
        let what = format!("seed {}, {what}", self.seed);
        assert_same(&snapshot(&self.out), &snapshot(&self.full), &what);
    }

    /// Runs `edits`, each followed by `build` and the comparison with a full build, and
    /// `check` of what the build did. A `Broken` step must publish nothing and leave the live
    /// site as it was; the fix that follows it is a step of its own.
    fn run(
        &mut self,
        edits: &[Edit],
        build: &mut BuildFn<'_>,
        check: &mut dyn FnMut(&[Edit], &SiteBuild),
    ) {
        for (n, &edit) in edits.iter().enumerate() {
            if edit == Edit::Broken {
                self.break_and_fix(n, build);
                continue;
            }
            let (edit, mut touched) = self.edit(edit);
            let mut made = vec![edit];
            // Sometimes two edits land before a build (a watcher batches events).
            if self.rng.chance(self.batch_percent) {
                let other = self.random_edit();
                let (other, more) = self.edit(other);
                made.push(other);
                touched.extend(more);
            }
            let what = format!("step {n}: {made:?} of {touched:?}");
            let built = build(self, self.paths(&touched))
                .unwrap_or_else(|err| panic!("seed {}, {what}: {err}", self.seed));
            self.assert_matches_full(&what);
            check(&made, &built);
        }
    }

    /// Any edit but `Broken`.
    fn random_edit(&mut self) -> Edit {
        let edits: Vec<Edit> = Edit::ALL
            .into_iter()
            .filter(|e| *e != Edit::Broken)
            .collect();
        *self.rng.pick(&edits)
    }

    fn break_and_fix(&mut self, n: usize, build: &mut BuildFn<'_>) {
        let before = snapshot(&self.out);
        let breaks = self.seen.iter().filter(|e| **e == Edit::Broken).count();
        // Sometimes a good edit comes with the broken one: the fix alone must publish both.
        let mut touched = Vec::new();
        if self.rng.chance(50) {
            let edit = self.random_edit();
            touched = self.edit(edit).1;
        }
        let rel = break_file(&self.project, &mut self.rng, &self.root, breaks);
        touched.push(rel.clone());
        let what = format!(
            "seed {}, step {n}: broken {rel} (touched {touched:?})",
            self.seed
        );
        match build(self, self.paths(&touched)) {
            Err(Error::ContentErrors(errors)) => assert!(errors > 0, "{what}"),
            other => panic!("{what}: expected content errors, got {other:?}"),
        }
        assert_same(
            &snapshot(&self.out),
            &before,
            &format!("{what}, live site kept"),
        );
        let broken = load(&self.root).expect("load");
        self.codes.extend(broken.diagnostics.iter().map(|d| d.code));
        self.seen.push(Edit::Broken);

        self.project.sync(&self.root, std::slice::from_ref(&rel));
        let what = format!("step {n}: fixed {rel}");
        build(self, self.paths(&[rel]))
            .unwrap_or_else(|err| panic!("seed {}, {what}: {err}", self.seed));
        self.assert_matches_full(&what);
    }

    #[track_caller]
    fn assert_saw_every_edit(&self) {
        for edit in Edit::ALL {
            assert!(
                self.seen.contains(&edit),
                "seed {}: no {edit:?} step ran",
                self.seed
            );
        }
    }
}

#[test]
fn the_comparison_finds_changed_missing_and_left_over_files_and_empty_folders() {
    let dir = tempdir();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for site in [&a, &b] {
        project::write(&site.join("items/X/index.html"), "<p>\none\n</p>\n");
    }
    let diff = || site::first_difference(&snapshot(&a), &snapshot(&b));
    assert_eq!(diff(), None);
    std::fs::create_dir_all(a.join("items/Y")).expect("mkdir");
    assert_eq!(
        diff().as_deref(),
        Some("folder items/Y/ is left over (empty)")
    );
    project::write(&a.join("items/Y/index.html"), "y");
    assert!(
        diff()
            .expect("a difference")
            .starts_with("items/Y/index.html is left over")
    );
    project::write(&b.join("items/Y/index.html"), "y");
    project::write(&b.join("items/Z/index.html"), "z");
    assert!(
        diff()
            .expect("a difference")
            .starts_with("items/Z/index.html is missing")
    );
    project::write(&a.join("items/Z/index.html"), "z");
    project::write(&a.join("items/X/index.html"), "<p>\nOne\n</p>\n");
    let diff = diff().expect("a difference");
    assert!(diff.contains("items/X/index.html differs"), "{diff}");
    assert!(
        diff.contains("line 2") && diff.contains("2 | One"),
        "{diff}"
    );
}

#[test]
fn incremental_builds_match_full_builds_after_every_kind_of_edit() {
    let mut s = Scenario::new(seed());
    let mut builder = s.builder(SiteOptions::default());
    let first = builder
        .build(&Changes::Unknown, &|| ())
        .expect("first build");
    assert_eq!(
        first.files.linked + first.files.kept,
        0,
        "nothing to reuse yet"
    );
    s.assert_matches_full("first build");
    assert_same(&snapshot(&s.out), &snapshot(&s.full), "SiteBuilder full");

    let edits = schedule(&mut s.rng, 36, 3);
    s.run(
        &edits,
        &mut |_, paths| builder.build(&Changes::Paths(paths), &|| ()),
        &mut |_: &[Edit], _: &SiteBuild| {},
    );
    s.assert_saw_every_edit();
    // The project went through the states worth building: suspect links, coverage gaps,
    // failed and missing evidence, YAML errors and link errors.
    for code in [
        COVERAGE_RULE_VIOLATED,
        SUSPECT_LINK,
        EVIDENCE_FAILED,
        EVIDENCE_MISSING,
        YAML_SYNTAX,
    ] {
        assert!(s.codes.contains(&code), "no {code} in {:?}", s.codes);
    }
    assert!(s.codes.contains(&CYCLE) || s.codes.contains(&UNKNOWN_LINK_TARGET));
}

#[test]
fn separate_builds_carry_state_on_disk_and_render_only_what_changed() {
    let mut s = Scenario::new(seed() ^ 0x5eed);
    // Single edits, so a body step changes one body and nothing else.
    s.batch_percent = 0;
    let build = |s: &Scenario| {
        s.builder(SiteOptions::default())
            .build(&Changes::Unknown, &|| ())
    };
    build(&s).expect("first build");
    s.assert_matches_full("first build");
    let again = build(&s).expect("second build");
    assert_eq!(
        again.files.rendered, 0,
        "nothing changed: {:?}",
        again.files
    );

    let (mut body_steps, mut flip_steps) = (0, 0);
    let edits = schedule(&mut s.rng, 24, 1);
    s.run(&edits, &mut |s, _| build(s), &mut |edit, built| {
        let files = built.files;
        let total = files.rendered + files.linked + files.kept;
        assert!(total > 60, "a site of {total} files");
        if edit == [Edit::Body] {
            body_steps += 1;
            assert!(
                files.rendered < 20,
                "one body changed, yet {files:?} of {total} files"
            );
        }
        // A case's outcome shows on the pages of the items naming it and those they verify,
        // their kinds' pages, the dashboard and the readiness page: not on every page.
        if edit == [Edit::CaseFlipped] {
            flip_steps += 1;
            assert!(
                files.rendered < 30,
                "one case flipped, yet {files:?} of {total} files"
            );
        }
    });
    assert!(body_steps > 0 && flip_steps > 0);
    s.assert_saw_every_edit();
}

/// One builder kept across edits, as `tracebook preview` keeps it, in a fresh temp folder.
fn preview_builder(root: &Path, out: &Path) -> SiteBuilder {
    let theme = Theme::embedded().expect("theme");
    SiteBuilder::new(root, out, theme, SiteOptions::default())
}

#[track_caller]
fn assert_same_as_full(root: &Path, out: &Path, what: &str) {
    let full = out.with_file_name("full");
    let theme = Theme::embedded().expect("theme");
    full_build(root, theme, false, &full);
    assert_same(&snapshot(out), &snapshot(&full), what);
}

/// A trace tree shows a few levels and marks a node whose further links it leaves out; that
/// mark depends on a link one level further down, in a file no item of the tree lives in.
/// Found by the random scenarios (seeds 15, 52, 54): `render/memo.rs` only re-digested pages
/// up to `tree::MAX_DEPTH` links from a changed item.
#[test]
fn removing_a_link_below_a_trace_tree_updates_its_cut_mark() {
    let dir = tempdir();
    let root = dir.path().join("project");
    let out = dir.path().join("site");
    let schema = project::Schema::default().render();
    project::write(&root.join(project::CONFIG), &schema);
    let item = |id: &str, kind: &str, links: &str| {
        let text = format!(
            "---\nid: {id}\nkind: {kind}\ntitle: \"{id}\"\nstatus: {}\n{links}---\nBody.\n",
            if kind == "verification" {
                "passed"
            } else {
                "obsolete"
            }
        );
        project::write(&root.join(format!("content/{id}.md")), &text);
    };
    item("STK-001", "need", "");
    // Obsolete requirements need no verification: coverage stays as it is.
    let mut previous = "STK-001".to_owned();
    for n in 1..=6 {
        let id = format!("SYS-{n:03}");
        item(
            &id,
            "requirement",
            &format!("links:\n  derives_from: [{previous}]\n"),
        );
        previous = id;
    }
    item(
        "VER-001",
        "verification",
        "method: test\nlinks:\n  verifies: [SYS-006]\n",
    );
    let mut builder = preview_builder(&root, &out);
    let first = builder.build(&Changes::Unknown, &|| ());
    let diagnostics = builder.project().map(|p| &p.diagnostics);
    first.unwrap_or_else(|err| panic!("{err}: {diagnostics:#?}"));
    assert_same_as_full(&root, &out, "first build");

    item("VER-001", "verification", "method: test\n");
    let changed = vec![root.join("content/VER-001.md")];
    builder
        .build(&Changes::Paths(changed), &|| ())
        .expect("build");
    assert_same_as_full(&root, &out, "VER-001 no longer verifies SYS-006");
}

/// Folders removed behind a long-lived builder's back (`rm -rf public`) are built again whole.
#[test]
fn a_builder_rebuilds_site_and_spare_folders_removed_behind_its_back() {
    let mut s = Scenario::new(seed() ^ 0xd1);
    let mut builder = preview_builder(&s.root, &s.out);
    builder
        .build(&Changes::Unknown, &|| ())
        .expect("first build");
    let spare = s.out.with_file_name(".site.spare");
    for removed in [s.out.clone(), spare.clone(), s.out.clone()] {
        let (_, touched) = s.edit(Edit::Title);
        builder
            .build(&Changes::Paths(s.paths(&touched)), &|| ())
            .expect("build");
        assert!(
            spare.is_dir(),
            "the builder keeps a spare folder at {spare:?}"
        );
        std::fs::remove_dir_all(&removed).expect("remove");
        builder
            .build(&Changes::Paths(Vec::new()), &|| ())
            .expect("build");
        s.assert_matches_full(&format!("{removed:?} removed"));
    }
}

const BASELINE: &str =
    "name: NAME\ntitle: TITLE\nref: REF\napproved_by: [a.chen]\ndate: 2026-10-01\n";

fn baseline(name: &str, title: &str, git_ref: &str) -> String {
    BASELINE
        .replace("NAME", name)
        .replace("TITLE", title)
        .replace("REF", git_ref)
}

#[test]
fn builds_in_git_with_baselines_match_full_builds_committed_or_not() {
    let mut s = Scenario::new(seed() ^ 0x617);
    let mut git = Git::init(&s.root);
    let v1 = git.commit("initial");
    git.tag("v1", v1);
    s.git = Some((git, 50));
    let mut builder = s.builder(SiteOptions {
        git: true,
        ..SiteOptions::default()
    });
    builder
        .build(&Changes::Unknown, &|| ())
        .expect("first build");
    s.assert_matches_full("first build");
    let mut build =
        |_: &Scenario, paths: Vec<PathBuf>| builder.build(&Changes::Paths(paths), &|| ());
    let commit = |s: &mut Scenario, message: &str| {
        let (git, _) = s.git.as_mut().expect("git");
        git.commit(message)
    };
    let edits = schedule(&mut s.rng, 24, 1);
    // No baselines yet: the builder keeps the history while HEAD stays.
    s.run(&edits[..6], &mut build, &mut |_: &[Edit], _: &SiteBuild| {});
    commit(&mut s, "Before baselines");
    build(&s, Vec::new()).expect("build after a commit");
    s.assert_matches_full("a commit and nothing else");

    let r1 = "baselines/R1.yaml".to_owned();
    project::write(&s.root.join(&r1), &baseline("R1", "First release", "v1"));
    build(&s, s.paths(std::slice::from_ref(&r1))).expect("add R1");
    s.assert_matches_full("baseline R1 added, not committed");
    commit(&mut s, "Add baseline R1");
    build(&s, Vec::new()).expect("build after a commit");
    s.assert_matches_full("baseline R1 committed");
    s.run(
        &edits[6..14],
        &mut build,
        &mut |_: &[Edit], _: &SiteBuild| {},
    );

    let head = commit(&mut s, "Before R2");
    let r2 = "baselines/R2.yaml".to_owned();
    project::write(
        &s.root.join(&r2),
        &baseline("R2", "Second release", &head.to_string()),
    );
    build(&s, s.paths(std::slice::from_ref(&r2))).expect("add R2");
    s.assert_matches_full("baseline R2 added");
    s.run(
        &edits[14..],
        &mut build,
        &mut |_: &[Edit], _: &SiteBuild| {},
    );

    project::write(
        &s.root.join(&r1),
        &baseline("R1", "First clinical release", "v1"),
    );
    build(&s, s.paths(std::slice::from_ref(&r1))).expect("retitle R1");
    s.assert_matches_full("baseline R1 retitled");
    commit(&mut s, "Retitle R1");
    std::fs::remove_dir_all(s.root.join("baselines")).expect("remove baselines");
    build(&s, s.paths(&["baselines".to_owned()])).expect("remove baselines");
    s.assert_matches_full("every baseline removed");
    s.assert_saw_every_edit();
}

/// A copy of the default theme in `dir/name` with the first `from` in `template` replaced by
/// `to`.
fn edited_theme(dir: &Path, name: &str, template: &str, edit: (&str, &str)) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../themes/default");
    let to = dir.join(name);
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.expect("walk theme");
        let target = to.join(entry.path().strip_prefix(&from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
    let path = to.join("templates").join(template);
    let html = std::fs::read_to_string(&path).expect("read template");
    assert!(html.contains(edit.0), "{template} has no {}", edit.0);
    std::fs::write(&path, html.replacen(edit.0, edit.1, 1)).expect("write template");
    to
}

#[test]
fn a_new_theme_re_renders_every_page_and_matches_a_full_build() {
    let mut s = Scenario::new(seed() ^ 0x7e3e);
    let mut builder = s.builder(SiteOptions::default());
    builder
        .build(&Changes::Unknown, &|| ())
        .expect("first build");
    let before = snapshot(&s.out);

    let dir = s.out.parent().expect("parent").to_path_buf();
    let edit = ("</body>", "<!-- edited theme -->\n</body>");
    let theme_dir = edited_theme(&dir, "edited", "base.html", edit);
    builder.set_theme(Theme::load(&theme_dir).expect("edited theme"));
    s.theme = Some(theme_dir);
    let built = builder
        .build(&Changes::Paths(Vec::new()), &|| ())
        .expect("build");
    assert_eq!(
        built.files.rendered, built.report.pages,
        "every page and nothing else re-rendered: {:?}",
        built.files
    );
    s.assert_matches_full("theme edited");
    let after = snapshot(&s.out);
    let pages: Vec<&String> = after
        .files
        .keys()
        .filter(|f| f.ends_with(".html"))
        .collect();
    assert_eq!(pages.len(), built.report.pages);
    for page in pages {
        assert_ne!(after.files[page], before.files[page], "{page} unchanged");
    }

    let (_, touched) = s.edit(Edit::Body);
    builder
        .build(&Changes::Paths(s.paths(&touched)), &|| ())
        .expect("build");
    s.assert_matches_full("a body edited under the new theme");

    // A theme that fails while rendering item pages publishes nothing.
    let before = snapshot(&s.out);
    let edit = ("{% endblock", "{{ no_such_variable.at_all }}{% endblock");
    let failing = edited_theme(&dir, "failing", "item.html", edit);
    builder.set_theme(Theme::load(&failing).expect("the theme parses"));
    let (_, touched) = s.edit(Edit::Title);
    match builder.build(&Changes::Paths(s.paths(&touched)), &|| ()) {
        Err(Error::Template { template, .. }) => assert_eq!(template, "item.html"),
        other => panic!("expected a template error, got {other:?}"),
    }
    assert_same(&snapshot(&s.out), &before, "failed render, live site kept");

    builder.set_theme(Theme::embedded().expect("theme"));
    s.theme = None;
    builder
        .build(&Changes::Paths(Vec::new()), &|| ())
        .expect("build");
    s.assert_matches_full("the default theme again, after a failed render");
}
