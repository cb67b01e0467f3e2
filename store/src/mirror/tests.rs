//! Mirror tests against real databases: a SQLite file in a tempdir and a private PostgreSQL
//! database per test (they fail, not skip, when PostgreSQL is down). Projects are written to a
//! tempdir in the content format and loaded with the generator, as the worker does.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use serde_json::json;
use sqlx::Row as _;
use tracebook_model::Project;

use super::rows::{self, Row, SYNCED};
use super::{BuildRow, Mirror, MirrorCommit, MirrorError, SyncReport, sync};
use crate::accounts::database_url;
use crate::accounts::tests::{on_both_databases, on_postgres, on_sqlite};

on_both_databases!(
    first_sync_writes_every_item_link_and_coverage_row,
    resync_of_the_same_commit_writes_nothing,
    converges_on_changed_removed_and_suspect_links,
    views_answer_on_a_known_project,
    failed_sync_leaves_the_previous_commit_whole,
    syncs_projects_larger_than_one_batch,
    record_build_round_trips_and_replaces_by_id,
    example_queries_of_the_docs_run,
);

const CONFIG: &str = "\
project: Mirror test
kinds:
  need: { prefix: STK, title: Stakeholder need }
  requirement: { prefix: SYS, title: System requirement,
                 fields: { priority: { type: enum, values: [low, medium, high] } } }
  verification: { prefix: VER, title: Verification case,
                  fields: { method: { type: enum, values: [test, analysis], required: true } } }
links:
  derives_from: { from: [requirement], to: [need, requirement], acyclic: true }
  verifies: { from: [verification], to: [requirement] }
rules:
  - { kind: requirement, needs_incoming: verifies, severity: warning }
  - { kind: need, needs_incoming: derives_from, severity: warning }
";

/// A project on disk: version A is written by [`Fixture::new`].
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// Two needs (STK-002 uncovered), three requirements (SYS-002 unverified, SYS-003 obsolete
    /// so exempt), one verification, one baseline.
    fn new() -> Fixture {
        let fixture = Fixture {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        fixture.write("tracebook.yaml", CONFIG);
        fixture.item("need/STK-001", "STK-001", "need", "Safe infusion", "", "");
        fixture.item("need/STK-002", "STK-002", "need", "Audible alarms", "", "");
        fixture.item(
            "system/SYS-001",
            "SYS-001",
            "requirement",
            "Occlusion alarm",
            "priority: high\ntags: [safety, alarms]\n",
            "  derives_from: [STK-001]\n",
        );
        fixture.item(
            "system/SYS-002",
            "SYS-002",
            "requirement",
            "Flow accuracy",
            "priority: low\n",
            "  derives_from: [STK-001]\n",
        );
        fixture.item(
            "system/SYS-003",
            "SYS-003",
            "requirement",
            "Old rate limit",
            "status: obsolete\n",
            "",
        );
        fixture.item(
            "verification/VER-001",
            "VER-001",
            "verification",
            "Occlusion bench test",
            "method: test\nresults: [{ junit: results/ci/junit.xml, case: pump::occlusion }]\n",
            "  verifies: [SYS-001]\n",
        );
        fixture.write("results/ci/junit.xml", &junit(""));
        fixture.write(
            "baselines/R1.yaml",
            "name: R1\ntitle: First release\nref: v1\napproved_by: [a.chen]\ndate: 2026-10-01\n",
        );
        fixture.tag_v1();
        fixture
    }

    /// Commits the files and tags the commit `v1`, the baseline's ref (the loader resolves it).
    fn tag_v1(&self) {
        let repo = git2::Repository::init(self.dir.path()).expect("init");
        let commit = tracebook_test_support::git::commit_all(&repo, "version A");
        let object = repo.find_object(commit, None).expect("object");
        repo.tag_lightweight("v1", &object, false).expect("tag");
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    fn item(&self, file: &str, id: &str, kind: &str, title: &str, extra: &str, links: &str) {
        let links = if links.is_empty() {
            String::new()
        } else {
            format!("links:\n{links}")
        };
        let text = format!(
            "---\nid: {id}\nkind: {kind}\ntitle: {title}\n{extra}{links}---\nThe text of {id}.\n"
        );
        self.write(&format!("content/{file}.md"), &text);
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.dir.path().join(rel)).expect("remove");
    }

    fn load(&self) -> Project {
        load(self.dir.path())
    }

    /// Version B: SYS-002 retitled and its link to STK-001 reviewed against a stale fingerprint
    /// (suspect), SYS-003 removed, VER-001 verifies SYS-002 instead of SYS-001.
    fn change_to_b(&self) {
        self.item(
            "system/SYS-002",
            "SYS-002",
            "requirement",
            "Flow accuracy within 5 %",
            "priority: low\n",
            "  derives_from: [{ id: STK-001, reviewed: 00000000 }]\n",
        );
        self.remove("content/system/SYS-003.md");
        self.item(
            "verification/VER-001",
            "VER-001",
            "verification",
            "Occlusion bench test",
            "method: test\nresults: [{ junit: results/ci/junit.xml, case: pump::occlusion }]\n",
            "  verifies: [SYS-002]\n",
        );
        self.write(
            "results/ci/junit.xml",
            &junit(r#"<failure message="alarm after 31 s"/>"#),
        );
    }
}

/// A results file with the one case VER-001 names, passing or with `failure` inside.
fn junit(failure: &str) -> String {
    format!(
        "<testsuite name=\"pump\">\n  <testcase classname=\"pump\" name=\"occlusion\">{failure}</testcase>\n</testsuite>\n"
    )
}

fn load(root: &Path) -> Project {
    let project = tracebook_generator::load(root).expect("loading the project");
    let errors: Vec<_> = project
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    project
}

fn commit(id: &str) -> MirrorCommit {
    MirrorCommit {
        id: id.to_owned(),
        author: "A. Chen <a.chen@example.com>".to_owned(),
        committed_at: 1_790_000_000 + i64::from(id.as_bytes()[0]),
        summary: format!("commit {id}"),
    }
}

async fn open(url: &str) -> Mirror {
    Mirror::open(url).await.expect("opening the mirror")
}

/// Asserts that every synced table holds exactly the rows `project` yields.
async fn assert_mirrors(mirror: &Mirror, project: &Project) {
    let mut conn = mirror.pool().acquire().await.expect("connection");
    for (table, wanted) in SYNCED.into_iter().zip(rows::project_rows(project)) {
        let by_key = |row: &Row| format!("{:?}", &row[..table.key]);
        let mut held: Vec<Row> = sync::read(&mut conn, table, "test")
            .await
            .expect("reading a table")
            .into_values()
            .collect();
        held.sort_by_key(by_key);
        let mut wanted = wanted;
        wanted.sort_by_key(by_key);
        assert_eq!(held, wanted, "table {}", table.name);
    }
}

async fn count(mirror: &Mirror, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(mirror.pool())
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

async fn first_sync_writes_every_item_link_and_coverage_row(url: String) {
    let mirror = open(&url).await;
    let fixture = Fixture::new();
    let project = fixture.load();
    assert_eq!(mirror.synced_commit().await.unwrap(), None);

    let report = mirror.sync(&project, &commit("a1")).await.unwrap();
    assert_eq!(
        report,
        SyncReport {
            commit: "a1".to_owned(),
            items_written: 6,
            items_deleted: 0,
            links_written: 3,
            links_deleted: 0,
            was_current: false,
        }
    );
    assert_eq!(mirror.synced_commit().await.unwrap().as_deref(), Some("a1"));
    assert_mirrors(&mirror, &project).await;
    assert_eq!(
        count(&mirror, "select count(*) from mirror_coverage").await,
        4
    );
    assert_eq!(count(&mirror, "select count(*) from mirror_rules").await, 2);
    assert_eq!(
        count(&mirror, "select count(*) from mirror_baselines").await,
        1
    );
    assert_eq!(
        count(
            &mirror,
            "select count(*) from mirror_changes where change = 'added'"
        )
        .await,
        6
    );
    assert_eq!(
        count(
            &mirror,
            "select count(*) from mirror_items where changed_in = 'a1'"
        )
        .await,
        6
    );

    let row = sqlx::query(
        "select i.title, i.status, i.fingerprint, cast(i.fields as text), cast(i.tags as text),
                i.path, i.line, c.author, c.committed_at
         from mirror_items i
         join mirror_commits c on c.id = i.changed_in
         where i.id = 'SYS-001'",
    )
    .fetch_one(mirror.pool())
    .await
    .unwrap();
    let sys1 = project.item("SYS-001").unwrap();
    assert_eq!(row.get::<String, _>(0), "Occlusion alarm");
    assert_eq!(row.get::<String, _>(1), "draft");
    assert_eq!(row.get::<String, _>(2), sys1.fingerprint.to_string());
    let fields: serde_json::Value = serde_json::from_str(&row.get::<String, _>(3)).unwrap();
    assert_eq!(fields, json!({ "priority": "high" }));
    let tags: serde_json::Value = serde_json::from_str(&row.get::<String, _>(4)).unwrap();
    assert_eq!(tags, json!(["safety", "alarms"]));
    assert_eq!(row.get::<String, _>(5), "content/system/SYS-001.md");
    assert_eq!(row.get::<i64, _>(6), 2);
    assert_eq!(row.get::<String, _>(7), "A. Chen <a.chen@example.com>");
    assert_eq!(row.get::<i64, _>(8), commit("a1").committed_at);
    let passed: Vec<String> =
        sqlx::query_scalar("select id from mirror_items where evidence = 'passed' order by id")
            .fetch_all(mirror.pool())
            .await
            .unwrap();
    assert_eq!(passed, ["SYS-001", "VER-001"]);
}

async fn resync_of_the_same_commit_writes_nothing(url: String) {
    let mirror = open(&url).await;
    let project = Fixture::new().load();
    mirror.sync(&project, &commit("a1")).await.unwrap();

    let again = mirror.sync(&project, &commit("a1")).await.unwrap();
    assert_eq!(
        again,
        SyncReport {
            commit: "a1".to_owned(),
            was_current: true,
            ..SyncReport::default()
        }
    );
    // Another commit with the same content: every value read back compares equal (JSON,
    // booleans, nulls), so nothing is rewritten.
    let same = mirror.sync(&project, &commit("a2")).await.unwrap();
    assert_eq!(
        same,
        SyncReport {
            commit: "a2".to_owned(),
            ..SyncReport::default()
        }
    );
    assert_eq!(mirror.synced_commit().await.unwrap().as_deref(), Some("a2"));
    assert_eq!(
        count(
            &mirror,
            "select count(*) from mirror_items where changed_in = 'a1'"
        )
        .await,
        6
    );
    assert_eq!(
        count(&mirror, "select count(*) from mirror_commits").await,
        2
    );
}

async fn converges_on_changed_removed_and_suspect_links(url: String) {
    let mirror = open(&url).await;
    let fixture = Fixture::new();
    mirror.sync(&fixture.load(), &commit("a1")).await.unwrap();
    fixture.change_to_b();
    let b = fixture.load();

    let report = mirror.sync(&b, &commit("b1")).await.unwrap();
    // Items: SYS-002 retitled (and its evidence failed), SYS-003 gone; VER-001's case failed
    // and SYS-001 lost its verification, so their evidence changed (a row holds no links).
    // Links: VER-001 -> SYS-002 new, SYS-002 -> STK-001 now suspect, VER-001 -> SYS-001 gone.
    assert_eq!(
        report,
        SyncReport {
            commit: "b1".to_owned(),
            items_written: 3,
            items_deleted: 1,
            links_written: 2,
            links_deleted: 1,
            was_current: false,
        }
    );
    assert_mirrors(&mirror, &b).await;
    let changes: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "select item_id, change, old_fingerprint, new_fingerprint
         from mirror_changes
         where commit_id = 'b1'
         order by item_id",
    )
    .fetch_all(mirror.pool())
    .await
    .unwrap();
    let sys2 = b.item("SYS-002").unwrap().fingerprint.to_string();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0].0, "SYS-002");
    assert_eq!(changes[0].1, "modified");
    assert_eq!(changes[0].3.as_deref(), Some(sys2.as_str()));
    assert_eq!(
        (
            changes[1].0.as_str(),
            changes[1].1.as_str(),
            changes[1].3.as_deref()
        ),
        ("SYS-003", "removed", None)
    );
    assert_eq!(
        count(
            &mirror,
            "select count(*) from mirror_items where changed_in = 'b1'"
        )
        .await,
        3
    );
    let evidence: Vec<(String, String)> =
        sqlx::query_as("select id, evidence from mirror_items order by id")
            .fetch_all(mirror.pool())
            .await
            .unwrap();
    let evidence: Vec<(&str, &str)> = evidence
        .iter()
        .map(|(id, e)| (id.as_str(), e.as_str()))
        .collect();
    assert_eq!(
        evidence,
        [
            ("STK-001", "none"),
            ("STK-002", "none"),
            ("SYS-001", "none"),
            ("SYS-002", "failed"),
            ("VER-001", "failed"),
        ]
    );
    let suspect: Vec<(String, String)> = sqlx::query_as(
        "select from_id, to_id
         from mirror_links
         where suspect",
    )
    .fetch_all(mirror.pool())
    .await
    .unwrap();
    assert_eq!(suspect, [("SYS-002".to_owned(), "STK-001".to_owned())]);

    // And back to A: SYS-002 retitled again, SYS-003 there again, the case passing again.
    let a = Fixture::new().load();
    let back = mirror.sync(&a, &commit("a1")).await.unwrap();
    assert_eq!((back.items_written, back.items_deleted), (4, 0));
    assert_mirrors(&mirror, &a).await;
}

/// (rule, items, covered, uncovered, percent)
type RuleFigures = (String, i64, i64, i64, i64);

async fn views_answer_on_a_known_project(url: String) {
    let mirror = open(&url).await;
    let fixture = Fixture::new();
    let project = fixture.load();
    mirror.sync(&project, &commit("a1")).await.unwrap();

    let per_rule: Vec<RuleFigures> = sqlx::query_as(
        "select rule, items, covered, uncovered, percent
         from coverage_per_rule
         order by rule_index",
    )
    .fetch_all(mirror.pool())
    .await
    .unwrap();
    let expected: Vec<RuleFigures> = project
        .coverage
        .iter()
        .map(|c| {
            (
                project.config.rules[c.rule].label(),
                i64::try_from(c.total()).unwrap(),
                i64::try_from(c.covered.len()).unwrap(),
                i64::try_from(c.uncovered.len()).unwrap(),
                i64::from(c.percent()),
            )
        })
        .collect();
    assert_eq!(per_rule, expected);
    assert_eq!(
        per_rule,
        [
            (
                "every requirement is the target of verifies".to_owned(),
                2,
                1,
                1,
                50
            ),
            (
                "every need is the target of derives_from".to_owned(),
                2,
                1,
                1,
                50
            ),
        ]
    );

    let uncovered: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "select rule_index, item_id, kind, title, status
         from uncovered_items
         order by rule_index, item_id",
    )
    .fetch_all(mirror.pool())
    .await
    .unwrap();
    let uncovered: Vec<(i64, &str, &str, &str, &str)> = uncovered
        .iter()
        .map(|(r, id, kind, title, status)| {
            (
                *r,
                id.as_str(),
                kind.as_str(),
                title.as_str(),
                status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        uncovered,
        [
            (0, "SYS-002", "requirement", "Flow accuracy", "draft"),
            (1, "STK-002", "need", "Audible alarms", "draft"),
        ]
    );

    fixture.change_to_b();
    mirror.sync(&fixture.load(), &commit("b1")).await.unwrap();
    let matrix = trace_matrix(&mirror).await;
    assert_eq!(
        matrix,
        [
            "SYS-001 requirement Occlusion alarm -derives_from-> STK-001 need Safe infusion ok",
            "SYS-002 requirement Flow accuracy within 5 % -derives_from-> STK-001 need Safe infusion suspect",
            "VER-001 verification Occlusion bench test -verifies-> SYS-002 requirement Flow accuracy within 5 % ok",
        ]
    );
}

async fn trace_matrix(mirror: &Mirror) -> Vec<String> {
    let rows = sqlx::query(
        "select from_id, from_kind, from_title, link_kind, to_id, to_kind, to_title,
                cast(case when suspect then 1 else 0 end as bigint)
         from trace_matrix
         order by from_id, to_id",
    )
    .fetch_all(mirror.pool())
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let text = |i: usize| r.get::<String, _>(i);
            let flag = if r.get::<i64, _>(7) == 1 {
                "suspect"
            } else {
                "ok"
            };
            format!(
                "{} {} {} -{}-> {} {} {} {flag}",
                text(0),
                text(1),
                text(2),
                text(3),
                text(4),
                text(5),
                text(6)
            )
        })
        .collect()
}

async fn failed_sync_leaves_the_previous_commit_whole(url: String) {
    let mirror = open(&url).await;
    let fixture = Fixture::new();
    let a = fixture.load();
    mirror.sync(&a, &commit("a1")).await.unwrap();
    // The last table synced goes missing: items and links are written inside the transaction,
    // then the sync fails.
    sqlx::query("alter table mirror_baselines rename to mirror_baselines_away")
        .execute(mirror.pool())
        .await
        .unwrap();
    fixture.change_to_b();
    let b = fixture.load();
    let err = mirror.sync(&b, &commit("b1")).await.unwrap_err();
    assert!(matches!(err, MirrorError::Database { .. }), "{err:?}");
    assert!(!err.is_unavailable(), "{err:?}");
    assert_eq!(err.to_string(), "syncing commit b1");

    sqlx::query("alter table mirror_baselines_away rename to mirror_baselines")
        .execute(mirror.pool())
        .await
        .unwrap();
    assert_eq!(mirror.synced_commit().await.unwrap().as_deref(), Some("a1"));
    assert_mirrors(&mirror, &a).await;
    assert_eq!(
        count(&mirror, "select count(*) from mirror_commits").await,
        1
    );
    mirror.sync(&b, &commit("b1")).await.unwrap();
    assert_mirrors(&mirror, &b).await;
}

/// A project of `n` requirements each deriving from the previous one and verified by one
/// verification, from memory (no disk: it is only large).
fn chain_project(n: usize, title_suffix: &str) -> Project {
    let mut files: Vec<(String, String)> = vec![("tracebook.yaml".to_owned(), CONFIG.to_owned())];
    for i in 1..=n {
        let link = if i > 1 {
            format!("links:\n  derives_from: [SYS-{:05}]\n", i - 1)
        } else {
            String::new()
        };
        files.push((
            format!("content/system/SYS-{i:05}.md"),
            format!(
                "---\nid: SYS-{i:05}\nkind: requirement\ntitle: Req {i}{title_suffix}\n{link}---\nBody {i}.\n"
            ),
        ));
        if i % 2 == 0 {
            files.push((
                format!("content/verification/VER-{i:05}.md"),
                format!(
                    "---\nid: VER-{i:05}\nkind: verification\ntitle: Ver {i}\nmethod: test\nlinks:\n  verifies: [SYS-{i:05}]\n---\n"
                ),
            ));
        }
    }
    Project::from_memory(files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())))
}

async fn syncs_projects_larger_than_one_batch(url: String) {
    let mirror = open(&url).await;
    let big = chain_project(2_500, "");
    let report = mirror.sync(&big, &commit("a1")).await.unwrap();
    assert_eq!(report.items_written, 3_750);
    assert_eq!(report.links_written, 2_499 + 1_250);
    assert_mirrors(&mirror, &big).await;
    // No needs: the need rule applies to nothing and reads 100 %, as on the site.
    let empty: (i64, i64) = sqlx::query_as(
        "select items, percent
         from coverage_per_rule
         where rule_index = 1",
    )
    .fetch_one(mirror.pool())
    .await
    .unwrap();
    assert_eq!(empty, (0, 100));
    // Every title changes and half the items go: batched deletes by single and composite keys.
    let smaller = chain_project(1_250, " (revised)");
    let report = mirror.sync(&smaller, &commit("b1")).await.unwrap();
    assert_eq!(report.items_written, 1_250);
    assert_eq!(report.items_deleted, 3_750 - 1_875);
    assert_eq!(report.links_deleted, 2_499 + 1_250 - (1_249 + 625));
    assert_mirrors(&mirror, &smaller).await;
}

async fn record_build_round_trips_and_replaces_by_id(url: String) {
    let mirror = open(&url).await;
    let mut first = BuildRow {
        id: "build-1".to_owned(),
        commit: Some("a1".to_owned()),
        branch: "main".to_owned(),
        started_at: 1_790_000_000_000,
        duration_ms: 0,
        result: "failed".to_owned(),
        errors: 1,
        diagnostics: json!([{ "code": "E0203", "message": "link derives_from targets unknown item STK-903",
                              "span": { "file": "content/a.md", "line": 7, "column": 17 } }]),
        worker: "worker-1".to_owned(),
    };
    let second = BuildRow {
        id: "build-2".to_owned(),
        commit: None,
        started_at: first.started_at + 60_000,
        duration_ms: 1_234,
        result: "published".to_owned(),
        errors: 0,
        diagnostics: json!([]),
        ..first.clone()
    };
    mirror.record_build(&first).await.unwrap();
    mirror.record_build(&second).await.unwrap();
    assert_eq!(
        mirror.builds(10).await.unwrap(),
        [second.clone(), first.clone()]
    );

    first.duration_ms = 4_321;
    first.worker = "worker-2".to_owned();
    mirror.record_build(&first).await.unwrap();
    assert_eq!(mirror.builds(10).await.unwrap(), [second.clone(), first]);
    assert_eq!(mirror.builds(1).await.unwrap(), [second]);

    let bad = BuildRow {
        id: "build-3".to_owned(),
        result: "maybe".to_owned(),
        ..BuildRow::clone(&mirror.builds(1).await.unwrap()[0])
    };
    let err = mirror.record_build(&bad).await.unwrap_err();
    assert!(!err.is_unavailable(), "{err:?}");
    assert_eq!(err.to_string(), "recording build build-3");
}

/// Every example query of `docs/mirror.md` (those for this database) runs on a synced mirror.
async fn example_queries_of_the_docs_run(url: String) {
    const DOC: &str = include_str!("../../../docs/mirror.md");
    let mirror = open(&url).await;
    let fixture = Fixture::new();
    mirror.sync(&fixture.load(), &commit("a1")).await.unwrap();
    fixture.change_to_b();
    mirror.sync(&fixture.load(), &commit("b1")).await.unwrap();
    let build = BuildRow {
        id: "x".to_owned(),
        commit: Some("b1".to_owned()),
        branch: "main".to_owned(),
        started_at: 0,
        duration_ms: 1,
        result: "failed".to_owned(),
        errors: 1,
        diagnostics: json!([{ "code": "E0203", "message": "unknown target" }]),
        worker: "w".to_owned(),
    };
    mirror.record_build(&build).await.unwrap();
    let (this, other) = if url.starts_with("postgres") {
        ("-- PostgreSQL", "-- SQLite")
    } else {
        ("-- SQLite", "-- PostgreSQL")
    };
    let mut ran = 0;
    for block in DOC.split("```sql\n").skip(1) {
        let block = block.split("```").next().unwrap_or_default();
        if block.contains("create role") {
            continue;
        }
        for query in block.split(";\n").map(str::trim) {
            if query.is_empty() || query.starts_with(other) {
                continue;
            }
            let sql = query
                .replace(":from", "'a1'")
                .replace(":to", "'b1'")
                .replace(":build", "'x'");
            // Counted rather than fetched: the Any driver cannot decode SQLite booleans.
            let _: i64 = sqlx::query_scalar(&format!("select count(*) from ({sql}) q"))
                .fetch_one(mirror.pool())
                .await
                .unwrap_or_else(|err| panic!("{sql}\n{err}"));
            ran += usize::from(query.starts_with(this) || !query.starts_with("--"));
        }
    }
    assert!(ran >= 14, "{ran} queries");
}

#[tokio::test]
async fn unreachable_database_is_unavailable() {
    // Port 9 (discard) on localhost: nothing listens, the connection is refused.
    let err = Mirror::open("postgres://postgres@127.0.0.1:9/postgres")
        .await
        .unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    let err = Mirror::open("mysql://localhost/x").await.unwrap_err();
    assert!(!err.is_unavailable(), "{err:?}");
}

#[tokio::test]
async fn mirror_shares_the_accounts_pool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::accounts::AccountStore::open(&database_url(dir.path(), None))
        .await
        .unwrap();
    let mirror = Mirror::from_pool(store.pool.clone());
    assert_eq!(mirror.synced_commit().await.unwrap(), None);
    mirror
        .sync(&Fixture::new().load(), &commit("a1"))
        .await
        .unwrap();
    assert_eq!(mirror.synced_commit().await.unwrap().as_deref(), Some("a1"));
}

/// Sync timings of a generated corpus of 10k items (`gen_corpus.py`): run with
/// `cargo test -p tracebook-api --release mirror::tests::timing -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a benchmark: prints timings, asserts nothing about them"]
async fn timing_of_10k_items() {
    timing(None).await;
    on_postgres(|url| timing(Some(url))).await;
}

async fn timing(postgres: Option<String>) {
    let corpus = tempfile::tempdir().expect("tempdir");
    let db = tempfile::tempdir().expect("tempdir");
    let gen_corpus = |args: &[&str]| {
        let status = std::process::Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../scripts/gen_corpus.py"
            ))
            .args(["--format", "tracebook", "--out"])
            .arg(corpus.path())
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("running gen_corpus.py");
        assert!(status.success());
    };
    gen_corpus(&["--n", "10000"]);
    let url = postgres.unwrap_or_else(|| database_url(db.path(), None));
    let backend = if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let mirror = open(&url).await;
    let project = load(corpus.path());
    let mut timings = HashMap::new();
    let started = Instant::now();
    let first = mirror.sync(&project, &commit("a1")).await.unwrap();
    timings.insert("first sync", started.elapsed());
    let started = Instant::now();
    mirror.sync(&project, &commit("a1")).await.unwrap();
    timings.insert("same commit", started.elapsed());
    gen_corpus(&["--mutate", "SYS-0100"]);
    let changed = load(corpus.path());
    let started = Instant::now();
    let second = mirror.sync(&changed, &commit("b1")).await.unwrap();
    timings.insert("one item changed", started.elapsed());
    println!(
        "{backend}: {} items, {} links; first sync {:?}; same commit {:?}; one item changed {:?} ({} items written)",
        project.items.len(),
        first.links_written,
        timings["first sync"],
        timings["same commit"],
        timings["one item changed"],
        second.items_written
    );
}
