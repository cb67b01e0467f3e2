//! `/healthz` answers 200 only when the server can do its work: write its database and publish
//! into the site's folder; otherwise 503 with `status` naming the part that failed. `/livez`
//! only says the process answers (for a container's liveness check, which must not restart a
//! server whose database is down).

use sqlx::Connection;
use tracebook_store::accounts::database_url;

use crate::support::{Db, TestServer};

async fn get(server: &TestServer, path: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(server.url(path)).await.expect("GET");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_fails_naming_a_database_that_cannot_be_written() {
    let server = TestServer::start(Db::Sqlite).await;
    let (status, body) = get(&server, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["site"], true, "{body}");

    // Another process holds the database's write lock: reads work, writes cannot.
    sqlx::any::install_default_drivers();
    let url = database_url(&server.root, None);
    let mut holder = sqlx::AnyConnection::connect(&url).await.expect("connect");
    sqlx::query("begin exclusive")
        .execute(&mut holder)
        .await
        .expect("lock");
    let started = std::time::Instant::now();
    let (status, body) = get(&server, "/healthz").await;
    assert_eq!(status, 503, "{body}");
    let said = body["status"].as_str().expect("status");
    assert!(said.contains("database"), "{body}");
    assert!(!said.contains("site"), "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "a health check answers quickly: {:?}",
        started.elapsed()
    );
    let (status, _) = get(&server, "/livez").await;
    assert_eq!(status, 200, "the process is alive");
    sqlx::query("rollback")
        .execute(&mut holder)
        .await
        .expect("unlock");
    let (status, body) = get(&server, "/healthz").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_fails_naming_a_site_folder_that_cannot_be_published_into() {
    let server = TestServer::start(Db::Sqlite).await;
    let site = server.state.site_dir.to_path_buf();
    // The folder the site is published into (its parent) is replaced by a file.
    let parent = site.parent().expect("parent").to_path_buf();
    let moved = parent.with_extension("moved");
    std::fs::rename(&parent, &moved).expect("move");
    std::fs::write(&parent, "not a folder").expect("write");
    let (status, body) = get(&server, "/healthz").await;
    std::fs::remove_file(&parent).expect("rm");
    std::fs::rename(&moved, &parent).expect("move back");
    assert_eq!(status, 503, "{body}");
    let said = body["status"].as_str().expect("status");
    assert!(said.contains("site folder"), "{body}");
    assert!(!said.contains("database"), "{body}");
    let (status, _) = get(&server, "/livez").await;
    assert_eq!(status, 200);
}
