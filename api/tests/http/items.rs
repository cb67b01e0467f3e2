//! The item API over HTTP as an editor would use it: ETags and If-Match (428, 412), two
//! concurrent writers, a 422 that leaves the repository untouched, id allocation, retiring an
//! item, and ids that try to become paths.

use tracebook_store::accounts::Role;

use crate::support::{Db, TestServer, etag, on_both_databases};

on_both_databases!(
    concurrent_puts_with_one_etag_make_one_commit,
    invalid_edit_is_refused_and_changes_nothing,
    post_allocates_ids_and_delete_retires,
    ids_never_become_paths,
    the_api_is_described_by_openapi,
);

async fn editor(server: &TestServer) -> (reqwest::Client, String) {
    server.add_user("eve", Role::Editor).await;
    server.signed_in("eve").await
}

async fn concurrent_puts_with_one_etag_make_one_commit(db: Db) {
    let server = TestServer::start(db).await;
    let (client, csrf) = editor(&server).await;
    let before = server.commit_count();
    let tag = etag(&server, &client, "SYS-001").await;

    let missing = client
        .put(server.url("/api/items/SYS-001"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "title": "No precondition" }))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 428, "PUT without If-Match");

    let put = |title: &'static str| {
        let request = client
            .put(server.url("/api/items/SYS-001"))
            .header("x-csrf-token", &csrf)
            .header("if-match", &tag)
            .json(&serde_json::json!({ "title": title }));
        async move { request.send().await.unwrap() }
    };
    let (first, second) = tokio::join!(put("Alarm from Ann"), put("Alarm from Bob"));
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 412],
        "one wins, one is told the item changed"
    );
    let (winner, loser) = if first.status() == 200 {
        (first, second)
    } else {
        (second, first)
    };
    let current = loser.headers()["etag"].to_str().unwrap().to_owned();
    let written: serde_json::Value = winner.json().await.unwrap();
    assert_eq!(written["etag"], current, "412 carries the current ETag");
    assert_eq!(server.commit_count(), before + 1, "exactly one new commit");
    let text = server.read("content/requirement/SYS-001.md");
    assert!(
        text.contains("title: Alarm from Ann") ^ text.contains("title: Alarm from Bob"),
        "{text}"
    );
    let head = git2::Repository::open(&server.root).unwrap();
    let commit = head.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(commit.id().to_string(), written["commit"].as_str().unwrap());
    assert_eq!(commit.author().name(), Some("eve"));
}

async fn invalid_edit_is_refused_and_changes_nothing(db: Db) {
    let server = TestServer::start(db).await;
    let (client, csrf) = editor(&server).await;
    let before = server.commit_count();
    let original = server.read("content/requirement/SYS-001.md");
    let tag = etag(&server, &client, "SYS-001").await;
    let response = client
        .put(server.url("/api/items/SYS-001"))
        .header("x-csrf-token", &csrf)
        .header("if-match", &tag)
        .json(&serde_json::json!({ "links": { "derives_from": ["STK-999"] } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    let diagnostics = body["diagnostics"].as_array().expect("diagnostics");
    assert!(
        diagnostics
            .iter()
            .any(|d| d["message"].as_str().unwrap_or("").contains("STK-999")),
        "{body}"
    );
    assert_eq!(server.commit_count(), before, "no commit");
    assert_eq!(
        server.read("content/requirement/SYS-001.md"),
        original,
        "file untouched"
    );
    let status = git2::Repository::open(&server.root)
        .unwrap()
        .statuses(None)
        .unwrap()
        .iter()
        .filter(|entry| !entry.status().is_ignored())
        .count();
    assert_eq!(status, 0, "work tree clean");
}

async fn post_allocates_ids_and_delete_retires(db: Db) {
    let server = TestServer::start(db).await;
    let (client, csrf) = editor(&server).await;
    let created = client
        .post(server.url("/api/items"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "kind": "need", "title": "Quiet at night", "body": "Below 30 dB." }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["location"], "/api/items/STK-004");
    let body: serde_json::Value = created.json().await.unwrap();
    assert_eq!(body["id"], "STK-004");
    assert!(
        server
            .read("content/need/STK-004.md")
            .contains("Quiet at night")
    );

    let tag = etag(&server, &client, "STK-003").await;
    let retired = client
        .delete(server.url("/api/items/STK-003"))
        .header("x-csrf-token", &csrf)
        .header("if-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(retired.status(), 200);
    let item: serde_json::Value = client
        .get(server.url("/api/items/STK-003"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        item["status"], "obsolete",
        "retired, not deleted: links keep resolving"
    );
    let list: serde_json::Value = client
        .get(server.url("/api/items?kind=need&status=obsolete"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(ids, [serde_json::json!("STK-003")], "{list}");
}

async fn ids_never_become_paths(db: Db) {
    let server = TestServer::start(db).await;
    let (client, csrf) = editor(&server).await;
    let before = server.commit_count();
    for id in [
        "..%2F..%2Ftracebook.yaml",
        "%2e%2e%2fsecret",
        "..%5Cx",
        "%2Fetc%2Fpasswd",
        "SYS-001%00",
        "STK-001%2F..%2F..%2Fx",
    ] {
        let url = server.url(&format!("/api/items/{id}"));
        let get = client.get(&url).send().await.unwrap();
        assert!(
            matches!(get.status().as_u16(), 400 | 404),
            "GET {id}: {}",
            get.status()
        );
        let put = client
            .put(&url)
            .header("x-csrf-token", &csrf)
            .header("if-match", "\"x\"")
            .json(&serde_json::json!({ "title": "owned" }))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(put.status().as_u16(), 400 | 404 | 412),
            "PUT {id}: {}",
            put.status()
        );
    }
    assert_eq!(server.commit_count(), before);
    assert!(!server.root.parent().unwrap().join("secret").exists());
}

async fn the_api_is_described_by_openapi(db: Db) {
    let server = TestServer::start(db).await;
    let (client, _) = editor(&server).await;
    let document: serde_json::Value = client
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/items", "/api/items/{id}", "/api/search"] {
        assert!(document["paths"][path].is_object(), "{path} documented");
    }
    let anonymous = server
        .client()
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
