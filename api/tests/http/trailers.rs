//! Commit messages carry user text only in their one subject line: a title or field name with
//! line breaks cannot add `Signed-off-by:` or `Co-authored-by:` trailers (which tools read as
//! who vouched for or wrote the change) or any other line.

use git2::Repository;
use tracebook_store::accounts::Role;

use crate::support::{Db, TestServer, etag};

const FORGED: &str = "Quiet pump\n\nSigned-off-by: Mallory <mallory@example.com>\nCo-authored-by: Eve <eve@example.com>\r\nReviewed-by: Trent <trent@example.com>";

/// The HEAD commit's message and the trailers git2 (libgit2's `git interpret-trailers`) finds.
fn head_message(server: &TestServer) -> (String, Vec<(String, String)>) {
    let repo = Repository::open(&server.root).expect("repo");
    let head = repo.head().expect("head").peel_to_commit().expect("commit");
    let message = head.message().expect("utf-8").to_owned();
    let trailers = git2::message_trailers_strs(&message).expect("trailers");
    let found = trailers
        .iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    (message, found)
}

fn assert_one_line(message: &str, trailers: &[(String, String)]) {
    assert!(trailers.is_empty(), "trailers {trailers:?} in {message:?}");
    assert_eq!(
        message.trim_end_matches('\n').lines().count(),
        1,
        "one subject line: {message:?}"
    );
    assert!(
        !message.trim_end_matches('\n').chars().any(char::is_control),
        "{message:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn titles_with_line_breaks_add_no_commit_trailers() {
    let server = TestServer::start(Db::Sqlite).await;
    server.add_user("eve", Role::Editor).await;
    let (client, csrf) = server.signed_in("eve").await;
    let created = client
        .post(server.url("/api/items"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "kind": "need", "title": FORGED }))
        .send()
        .await
        .expect("POST");
    assert_eq!(
        created.status(),
        201,
        "{}",
        created.text().await.unwrap_or_default()
    );
    let (message, trailers) = head_message(&server);
    assert_one_line(&message, &trailers);
    assert!(message.contains("Quiet pump"), "{message:?}");

    let etag = etag(&server, &client, "STK-001").await;
    let edited = client
        .put(server.url("/api/items/STK-001"))
        .header("x-csrf-token", &csrf)
        .header("if-match", etag)
        .json(&serde_json::json!({ "title": FORGED }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(
        edited.status(),
        200,
        "{}",
        edited.text().await.unwrap_or_default()
    );
    let (message, trailers) = head_message(&server);
    assert_one_line(&message, &trailers);
}
