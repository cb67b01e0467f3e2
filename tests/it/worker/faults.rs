//! Nothing is lost when a worker, Redis or PostgreSQL fails, a burst of commits builds a few
//! times, a bad push keeps the last good site, and an unsigned hook queues nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::services::{PrivatePostgres, PrivateRedis, psql, redis_cli, require_shared_redis};
use super::support::{
    Proc, Project, SHARED_REDIS, WEBHOOK_SECRET, client, editor_token, push_hook, put_title,
    queue_prefix, serve, wait_until, worker,
};

const WAIT: Duration = Duration::from_secs(90);

/// `tracebook enqueue` as a post-receive hook runs it.
fn enqueue(project: &Project, env: &[(&str, &str)]) {
    let mut proc = Proc::start("enqueue", &["enqueue", project.root_str()], env);
    proc.wait_line("queued ", Duration::from_secs(30));
}

fn pending(prefix: &str) -> Option<String> {
    let out = redis_cli(
        6379,
        &[
            "XPENDING",
            &format!("{prefix}:jobs"),
            &format!("{prefix}-workers"),
        ],
    );
    out.lines().next().map(str::to_owned)
}

fn cleanup(prefix: &str) {
    redis_cli(
        6379,
        &["DEL", &format!("{prefix}:jobs"), &format!("{prefix}:dead")],
    );
}

fn published_builds_of(project: &Project, commit: &str) -> usize {
    project
        .builds()
        .iter()
        .filter(|b| b["commit"] == commit && b["result"] == "published")
        .count()
}

#[test]
fn a_worker_killed_mid_build_leaves_its_job_to_a_second_worker() {
    require_shared_redis();
    // Enough items that a build takes a while (the test binary is a debug build).
    let project = Project::new(1500);
    let prefix = queue_prefix("kill");
    let env = [
        ("REDIS_URL", SHARED_REDIS),
        ("TRACEBOOK_QUEUE_PREFIX", prefix.as_str()),
        ("TRACEBOOK_RECLAIM_IDLE", "2"),
        ("TRACEBOOK_IDLE_CHECK", "3600"),
    ];
    let first = project.head();
    let mut a = worker(&project, "a", &env);
    wait_until("the first site is published", WAIT, || {
        project.published().as_deref() == Some(first.as_str())
    });
    // A reader of the live site, all along.
    let stop = Arc::new(AtomicBool::new(false));
    let (reads, broken) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let reader = {
        let (site, stop, reads, broken) = (
            project.site.clone(),
            stop.clone(),
            reads.clone(),
            broken.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let page = std::fs::read_to_string(site.join("items/SYS-001/index.html"));
                let index = std::fs::read_to_string(site.join("index.html"));
                let ok = page.is_ok_and(|p| p.contains("</html>"))
                    && index.is_ok_and(|p| p.contains("</html>"));
                reads.fetch_add(1, Ordering::Relaxed);
                if !ok {
                    broken.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let commit = project.commit_name_and_title("Renamed", "Survives a killed worker");
    enqueue(&project, &env);
    wait_until("worker a is building the commit", WAIT, || {
        project.builds().iter().any(|b| {
            b["commit"] == commit.as_str() && b["result"] == "running" && b["worker"] == "a"
        })
    });
    a.kill();
    assert_eq!(
        project.published().as_deref(),
        Some(first.as_str()),
        "a dead worker published nothing"
    );
    let mut b = worker(&project, "b", &env);
    wait_until("worker b publishes the commit", WAIT, || {
        project.published().as_deref() == Some(commit.as_str())
    });
    b.wait_line("took over jobs another worker left", WAIT);
    wait_until("no job is left pending", WAIT, || {
        pending(&prefix).as_deref() == Some("0")
    });
    stop.store(true, Ordering::Relaxed);
    reader.join().expect("reader");
    assert!(project.page().contains("Survives a killed worker"));
    assert_eq!(
        published_builds_of(&project, &commit),
        1,
        "published once: {:?}",
        project.builds()
    );
    assert!(
        reads.load(Ordering::Relaxed) > 10,
        "the reader read the site"
    );
    assert_eq!(
        broken.load(Ordering::Relaxed),
        0,
        "the live site was readable throughout"
    );
    cleanup(&prefix);
}

#[test]
fn an_edit_while_redis_is_down_commits_with_a_warning_and_the_site_catches_up() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let project = Project::new(0);
    // The idle catch-up is off: the server's outbox alone must bring the job through.
    let env = [
        ("REDIS_URL", url.as_str()),
        ("TRACEBOOK_IDLE_CHECK", "3600"),
    ];
    let token = editor_token(&project, None);
    let (_serve, base) = serve(&project, &env);
    let _worker = worker(&project, "w", &env);
    let client = client(&token);
    redis.stop();
    let started = Instant::now();
    let answer = put_title(&client, &base, "Edited while Redis was down");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the edit did not hang"
    );
    let commit = answer["commit"].as_str().expect("commit").to_owned();
    let warnings = answer["warnings"].as_array().expect("a warning");
    assert!(
        warnings[0].as_str().unwrap_or_default().contains("retried"),
        "{answer}"
    );
    assert_eq!(project.head(), commit, "the edit is committed");
    std::thread::sleep(Duration::from_secs(1));
    assert_ne!(project.published().as_deref(), Some(commit.as_str()));
    redis.restart();
    wait_until("the site catches up once Redis is back", WAIT, || {
        project.published().as_deref() == Some(commit.as_str())
            && project.page().contains("Edited while Redis was down")
    });
}

#[test]
fn with_postgres_down_the_site_still_publishes_accounts_answer_503_and_the_mirror_catches_up() {
    let pg = PrivatePostgres::start();
    let database = pg.url();
    let project = Project::new(0);
    let token = editor_token(&project, Some(&database));
    let env = [
        ("DATABASE_URL", database.as_str()),
        ("TRACEBOOK_IDLE_CHECK", "1"),
    ];
    let (_serve, base) = serve(&project, &env);
    let client = client(&token);
    put_title(&client, &base, "Before the outage");
    wait_until("the mirror holds the edit", WAIT, || {
        psql(
            &database,
            "select title from mirror_items where id = 'SYS-001'",
        )
        .as_deref()
            == Some("Before the outage")
    });
    pg.stop();
    // Past the server's 2 s cache of token lookups.
    std::thread::sleep(Duration::from_millis(2500));
    let started = Instant::now();
    let answer = client
        .get(format!("{base}/api/items/SYS-001"))
        .send()
        .expect("an answer, not a hang");
    assert_eq!(answer.status().as_u16(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "answered in {:?}",
        started.elapsed()
    );
    assert!(
        answer
            .text()
            .unwrap_or_default()
            .contains("accounts database")
    );
    // A push needs no database: it is built and published.
    let commit = project.commit_title("Pushed while PostgreSQL was down");
    let hook = push_hook(&base, &project.branch(), &commit, Some(WEBHOOK_SECRET));
    assert_eq!(hook.status().as_u16(), 202);
    wait_until("the site is published without PostgreSQL", WAIT, || {
        project.published().as_deref() == Some(commit.as_str())
    });
    // The record says how the steps after publishing went once they are done.
    wait_until("the build record has the steps' outcome", WAIT, || {
        project
            .builds()
            .first()
            .is_some_and(|b| b["commit"] == commit.as_str() && !b["mirror"].is_null())
    });
    let newest = project.builds().into_iter().next().expect("a build record");
    assert_eq!(newest["commit"], commit.as_str(), "{newest}");
    assert!(
        newest["mirror"]
            .as_str()
            .unwrap_or_default()
            .contains("mirror: failed"),
        "{newest}"
    );
    pg.pg_ctl_start();
    wait_until(
        "the mirror catches up when PostgreSQL is back",
        WAIT,
        || {
            psql(
                &database,
                "select title from mirror_items where id = 'SYS-001'",
            )
            .as_deref()
                == Some("Pushed while PostgreSQL was down")
        },
    );
    let health = reqwest::blocking::get(format!("{base}/healthz")).expect("healthz");
    assert_eq!(health.status().as_u16(), 200, "the server lived through it");
    wait_until("accounts answer again", WAIT, || {
        client
            .get(format!("{base}/api/items/SYS-001"))
            .send()
            .is_ok_and(|r| r.status().as_u16() == 200)
    });
}

#[test]
fn a_burst_of_50_commits_builds_far_fewer_times_and_ends_at_the_last() {
    require_shared_redis();
    let project = Project::new(0);
    let prefix = queue_prefix("burst");
    let env = [
        ("REDIS_URL", SHARED_REDIS),
        ("TRACEBOOK_QUEUE_PREFIX", prefix.as_str()),
        ("TRACEBOOK_IDLE_CHECK", "3600"),
    ];
    let first = project.head();
    let _worker = worker(&project, "w", &env);
    wait_until("the first site", WAIT, || {
        project.published().as_deref() == Some(first.as_str())
    });
    let before = project.builds().len();
    for n in 0..50 {
        project.commit_title(&format!("Burst {n}"));
        enqueue(&project, &env);
    }
    let last = project.head();
    wait_until("the last commit is published", WAIT, || {
        project.published().as_deref() == Some(last.as_str())
    });
    wait_until("no job is left pending", WAIT, || {
        pending(&prefix).as_deref() == Some("0")
    });
    let builds = project.builds().len() - before;
    assert!((1..25).contains(&builds), "{builds} builds for 50 commits");
    assert!(project.page().contains("Burst 49"));
    eprintln!("50 commits, {builds} builds");
    cleanup(&prefix);
}

#[test]
fn a_bad_push_fails_visibly_and_the_previous_site_stays() {
    require_shared_redis();
    let project = Project::new(0);
    let prefix = queue_prefix("bad");
    let env = [
        ("REDIS_URL", SHARED_REDIS),
        ("TRACEBOOK_QUEUE_PREFIX", prefix.as_str()),
    ];
    let token = editor_token(&project, None);
    let (_serve, base) = serve(&project, &env);
    let _worker = worker(&project, "w", &env);
    let good = project.head();
    wait_until("the first site", WAIT, || {
        project.published().as_deref() == Some(good.as_str())
    });
    let page = project.page();
    let bad = project.commit_broken();
    let hook = push_hook(&base, &project.branch(), &bad, Some(WEBHOOK_SECRET));
    assert_eq!(hook.status().as_u16(), 202);
    let client = client(&token);
    let mut newest = serde_json::Value::Null;
    wait_until("GET /api/builds shows the failed build", WAIT, || {
        let builds: serde_json::Value = client
            .get(format!("{base}/api/builds"))
            .send()
            .and_then(reqwest::blocking::Response::json)
            .unwrap_or_default();
        newest = builds["builds"][0].clone();
        newest["commit"] == bad.as_str() && newest["result"] == "failed"
    });
    assert!(
        newest["errors"].as_u64().unwrap_or_default() > 0,
        "{newest}"
    );
    let first_diagnostic = newest["diagnostics"][0].as_str().unwrap_or_default();
    assert!(
        first_diagnostic.starts_with("content/requirement/SYS-001.md:"),
        "{newest}"
    );
    assert_eq!(
        project.published().as_deref(),
        Some(good.as_str()),
        "the last good site stays"
    );
    assert_eq!(project.page(), page);
    let fixed = project.commit_title("Fixed after a bad push");
    assert_eq!(
        push_hook(&base, &project.branch(), &fixed, Some(WEBHOOK_SECRET))
            .status()
            .as_u16(),
        202
    );
    wait_until("the fix is published", WAIT, || {
        project.published().as_deref() == Some(fixed.as_str())
    });
    cleanup(&prefix);
}

#[test]
fn a_git_hook_with_a_wrong_or_missing_signature_is_refused_and_queues_nothing() {
    require_shared_redis();
    let project = Project::new(0);
    let prefix = queue_prefix("hook");
    let env = [
        ("REDIS_URL", SHARED_REDIS),
        ("TRACEBOOK_QUEUE_PREFIX", prefix.as_str()),
    ];
    let (_serve, base) = serve(&project, &env);
    let stream = format!("{prefix}:jobs");
    let length = || {
        redis_cli(6379, &["XLEN", &stream])
            .parse::<u64>()
            .unwrap_or(u64::MAX)
    };
    let before = length();
    let commit = project.commit_title("Announced by a hook");
    let branch = project.branch();
    assert_eq!(
        push_hook(&base, &branch, &commit, None).status().as_u16(),
        401
    );
    assert_eq!(
        push_hook(&base, &branch, &commit, Some("not the secret"))
            .status()
            .as_u16(),
        401
    );
    assert_eq!(length(), before, "a refused hook queued nothing");
    assert_eq!(
        push_hook(&base, &branch, &commit, Some(WEBHOOK_SECRET))
            .status()
            .as_u16(),
        202
    );
    assert_eq!(length(), before + 1, "the signed hook queued one job");
    // Without a secret the hook is off altogether, signed or not.
    let unset = [("TRACEBOOK_WEBHOOK_SECRET", ""), env[0], env[1]];
    let other = Project::new(0);
    let (_off, off_base) = serve(&other, &unset);
    let answer = push_hook(&off_base, &branch, &commit, Some(WEBHOOK_SECRET));
    assert_eq!(answer.status().as_u16(), 404);
    assert_eq!(length(), before + 1, "nothing queued by a hook that is off");
    cleanup(&prefix);
}
