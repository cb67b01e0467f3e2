//! An edit through the API reaches the published site and the SQL mirror by itself: on the
//! embedded defaults (SQLite, in-process queue) and in production shape (Redis, PostgreSQL,
//! two `tracebook worker` processes).

use std::time::Duration;

use super::services::{psql, redis_cli, require_shared_redis, shared_postgres_database};
use super::support::{
    Project, SHARED_REDIS, client, editor_token, put_title, queue_prefix, serve, sqlite_value,
    wait_until, worker,
};

const WAIT: Duration = Duration::from_secs(60);

#[test]
fn an_api_edit_is_published_and_mirrored_on_the_embedded_defaults() {
    let project = Project::new(0);
    let token = editor_token(&project, None);
    let (_serve, base) = serve(&project, &[]);
    let client = client(&token);
    let answer = put_title(&client, &base, "Alarm within two seconds");
    assert!(answer.get("warnings").is_none(), "{answer}");
    let commit = answer["commit"].as_str().expect("commit").to_owned();
    wait_until("the site shows the edit", WAIT, || {
        project.published().as_deref() == Some(commit.as_str())
            && project.page().contains("Alarm within two seconds")
    });
    let page = client
        .get(format!("{base}/items/SYS-001/index.html"))
        .send()
        .expect("page")
        .text()
        .expect("text");
    assert!(page.contains("Alarm within two seconds"));
    let db = project.root.join(".tracebook/tracebook.db");
    wait_until("the mirror holds the new title", WAIT, || {
        sqlite_value(&db, "select title from mirror_items where id = 'SYS-001'").as_deref()
            == Some("Alarm within two seconds")
    });
    // The worker's search step indexed the new title for the server's search.
    wait_until("the server's search finds the new title", WAIT, || {
        client
            .get(format!("{base}/api/search?q=seconds"))
            .send()
            .and_then(reqwest::blocking::Response::json::<serde_json::Value>)
            .is_ok_and(|found| found["hits"][0]["id"] == "SYS-001")
    });
    let builds: serde_json::Value = client
        .get(format!("{base}/api/builds"))
        .send()
        .expect("builds")
        .json()
        .expect("json");
    assert_eq!(builds["published"], commit.as_str(), "{builds}");
    assert_eq!(builds["builds"][0]["commit"], commit.as_str(), "{builds}");
    assert_eq!(builds["builds"][0]["result"], "published", "{builds}");
    assert!(
        builds["queue"]
            .as_str()
            .expect("queue")
            .contains("in-process"),
        "{builds}"
    );
}

#[test]
fn an_api_edit_is_published_and_mirrored_with_redis_postgres_and_two_workers() {
    require_shared_redis();
    let project = Project::new(0);
    let database = shared_postgres_database("e2e");
    let prefix = queue_prefix("e2e");
    let env = [
        ("REDIS_URL", SHARED_REDIS),
        ("DATABASE_URL", database.as_str()),
        ("TRACEBOOK_QUEUE_PREFIX", prefix.as_str()),
    ];
    let token = editor_token(&project, Some(&database));
    let (_serve, base) = serve(&project, &env);
    let _w1 = worker(&project, "w1", &env);
    let _w2 = worker(&project, "w2", &env);
    let client = client(&token);
    let answer = put_title(&client, &base, "Alarm through Redis");
    assert!(answer.get("warnings").is_none(), "{answer}");
    let commit = answer["commit"].as_str().expect("commit").to_owned();
    wait_until("the site shows the edit", WAIT, || {
        project.published().as_deref() == Some(commit.as_str())
            && project.page().contains("Alarm through Redis")
    });
    wait_until(
        "the PostgreSQL mirror holds the new title and commit",
        WAIT,
        || {
            psql(
                &database,
                "select title from mirror_items where id = 'SYS-001'",
            )
            .as_deref()
                == Some("Alarm through Redis")
                && psql(&database, "select commit_id from mirror_state").as_deref()
                    == Some(commit.as_str())
        },
    );
    let query = format!("select result from mirror_builds where commit_id = '{commit}'");
    wait_until("the mirror has a copy of the build record", WAIT, || {
        psql(&database, &query).as_deref() == Some("published")
    });
    let builds: serde_json::Value = client
        .get(format!("{base}/api/builds"))
        .send()
        .expect("builds")
        .json()
        .expect("json");
    let newest = &builds["builds"][0];
    assert_eq!(newest["commit"], commit.as_str(), "{builds}");
    assert!(
        ["w1", "w2"].contains(&newest["worker"].as_str().unwrap_or_default()),
        "a worker process built it: {builds}"
    );
    assert!(
        builds["queue"]
            .as_str()
            .unwrap_or_default()
            .contains("Redis"),
        "{builds}"
    );
    let (stream, group) = (format!("{prefix}:jobs"), format!("{prefix}-workers"));
    wait_until("every job is acknowledged", WAIT, || {
        redis_cli(6379, &["XPENDING", &stream, &group])
            .lines()
            .next()
            == Some("0")
    });
    redis_cli(6379, &["DEL", &stream, &format!("{prefix}:dead")]);
}

#[test]
fn migrate_and_mirror_sync_bring_the_mirror_to_head_once() {
    let project = Project::new(0);
    let root = project.root_str();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tracebook"))
            .args(args)
            .env_remove("DATABASE_URL")
            .output()
            .expect("tracebook");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{args:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    assert!(run(&["migrate", "--root", root]).contains("is up to date"));
    let head = project.head();
    let first = run(&["mirror", "sync", "--root", root]);
    assert!(
        first.contains(&format!("mirrored {}", &head[..8])),
        "{first}"
    );
    assert!(first.contains("2 item rows written"), "{first}");
    let again = run(&["mirror", "sync", "--root", root]);
    assert!(again.contains("already holds"), "{again}");
    let db = project.root.join(".tracebook/tracebook.db");
    assert_eq!(
        sqlite_value(&db, "select commit_id from mirror_state").as_deref(),
        Some(head.as_str())
    );
}
