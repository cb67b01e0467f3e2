//! Edits while the committed project has errors (a broken file committed past the server) are
//! still accepted, since refusing them would also refuse the fix, but the answer says that the
//! site is not rebuilt until the named files are fixed.

use tracebook_store::accounts::Role;

use crate::support::{Db, TestServer, etag, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_to_a_broken_project_answer_with_warnings_naming_the_broken_files() {
    let server = TestServer::start(Db::Sqlite).await;
    server.add_user("eve", Role::Editor).await;
    let (client, csrf) = server.signed_in("eve").await;
    // Committed directly, past the server's checks: line 4 links to an item that does not exist.
    write(
        &server.root,
        "content/requirement/SYS-002.md",
        "---\nid: SYS-002\nkind: requirement\nlinks: { derives_from: [STK-404] }\ntitle: Broken\n---\n",
    );
    let repo = git2::Repository::open(&server.root).expect("repo");
    let mut index = repo.index().expect("index");
    index
        .add_path(std::path::Path::new("content/requirement/SYS-002.md"))
        .expect("add");
    index.write().expect("index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let head = repo.head().expect("head").peel_to_commit().expect("commit");
    let sig = git2::Signature::now("Someone", "someone@example.com").expect("sig");
    repo.commit(Some("HEAD"), &sig, &sig, "broken", &tree, &[&head])
        .expect("commit");

    let created = client
        .post(server.url("/api/items"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "kind": "need", "title": "Quiet" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(created.status(), 201);
    let body: serde_json::Value = created.json().await.expect("JSON");
    let warnings: Vec<&str> = body["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings in {body}"))
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("content/requirement/SYS-002.md:4") && w.contains("STK-404")),
        "{warnings:?}"
    );

    let etag = etag(&server, &client, "STK-001").await;
    let edited = client
        .put(server.url("/api/items/STK-001"))
        .header("x-csrf-token", &csrf)
        .header("if-match", etag)
        .json(&serde_json::json!({ "title": "Louder" }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(edited.status(), 200);
    let body: serde_json::Value = edited.json().await.expect("JSON");
    assert!(
        body["warnings"]
            .to_string()
            .contains("content/requirement/SYS-002.md:4"),
        "{body}"
    );
}
