//! The item routes against a real git repository, driven through their router with a
//! signed-in principal put into the request's extensions (the auth layers are tested on their
//! own; the end-to-end tests over a socket live in `api/tests/http/`).

use std::path::PathBuf;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use git2::Repository;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::routes;
use crate::accounts::{AccountStore, Role, User};
use crate::auth::{Principal, Via};
use crate::config::ServerConfig;
use crate::edits::Editor;
use crate::routes::table::router;
use crate::state::AppState;
use tracebook_test_support::git::commit_all;
use tracebook_test_support::project::write;

const CONFIG: &str = tracebook_test_support::project::NEEDS_AND_REQUIREMENTS;

const SYS: &str = "---
id: SYS-001
kind: requirement
title: Alarm
tags: [safety]
links:
  derives_from: [STK-001]
---
The pump shall alarm.
";

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    state: AppState,
}

impl Fixture {
    /// A committed project and server state, with an editor when `git`.
    async fn new(git: bool) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        write(&root, "tracebook.yaml", CONFIG);
        write(
            &root,
            "content/need/STK-001.md",
            "---\nid: STK-001\nkind: need\ntitle: Dose\n---\n",
        );
        write(&root, "content/req/SYS-001.md", SYS);
        std::fs::write(dir.path().join("passwd"), "root:x:0:0").expect("outside file");
        let url = format!("sqlite://{}", dir.path().join("accounts.db").display());
        let accounts = AccountStore::open(&url).await.expect("accounts");
        let config = ServerConfig {
            secret_key: vec![7; 32],
            ..ServerConfig::default()
        };
        let mut state = AppState::new(root.clone(), dir.path().join("site"), accounts, config);
        if git {
            commit_all(&Repository::init(&root).expect("init"), "initial");
            state = state.with_editor(Editor::open(&root, None).expect("editor"));
        }
        Fixture {
            _dir: dir,
            root,
            state,
        }
    }

    fn app(&self, role: Role) -> Router {
        router(routes())
            .with_state(self.state.clone())
            .layer(axum::Extension(principal(role)))
    }

    async fn send(&self, role: Role, request: Request<Body>) -> Reply {
        let response = self.app(role).oneshot(request).await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        let request = Request::get(path).body(Body::empty()).unwrap();
        self.send(Role::Viewer, request).await
    }

    async fn write(&self, method: &str, path: &str, if_match: Option<&str>, body: Value) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(tag) = if_match {
            request = request.header(header::IF_MATCH, tag);
        }
        let request = request.body(Body::from(body.to_string())).unwrap();
        self.send(Role::Editor, request).await
    }

    async fn etag(&self, id: &str) -> String {
        let reply = self.get(&format!("/api/items/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.header(header::ETAG.as_str()).expect("ETag")
    }

    fn file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).expect("read")
    }

    /// The head commit's id, author name and author email.
    fn head(&self) -> (String, String, String) {
        let repo = Repository::open(&self.root).unwrap();
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let author = head.author();
        let text = |s: Option<&str>| s.unwrap_or_default().to_owned();
        (
            head.id().to_string(),
            text(author.name()),
            text(author.email()),
        )
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII").to_owned())
    }
}

fn principal(role: Role) -> Principal {
    Principal {
        user: User {
            id: 7,
            name: "ann".to_owned(),
            role,
            created_at: 0,
            is_disabled: false,
            has_mfa: false,
        },
        via: Via::Token,
    }
}

#[tokio::test]
async fn lists_filtered_summaries_with_the_total() {
    let fx = Fixture::new(true).await;
    let all = fx.get("/api/items").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body["total"], 2);
    assert_eq!(
        all.body["items"][1],
        json!({
            "id": "SYS-001", "kind": "requirement", "title": "Alarm", "status": "draft",
            "tags": ["safety"], "file": "content/req/SYS-001.md",
            "fingerprint": all.body["items"][1]["fingerprint"],
        })
    );
    let some = fx
        .get("/api/items?kind=requirement&text=PUMP&limit=5")
        .await;
    assert_eq!(
        (some.body["total"].clone(), some.body["limit"].clone()),
        (json!(1), json!(5))
    );
    let bad = fx.get("/api/items?limit=many").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body["error"].is_string());
}

#[tokio::test]
async fn reads_an_item_with_its_etag_and_revalidates_with_304() {
    let fx = Fixture::new(true).await;
    let reply = fx.get("/api/items/SYS-001").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["links"], json!({ "derives_from": ["STK-001"] }));
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let etag = reply.header("etag").expect("ETag");
    let request = Request::get("/api/items/SYS-001")
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    let again = fx.send(Role::Viewer, request).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.header("etag"), Some(etag));
    assert_eq!(again.body, Value::Null);
    assert_eq!(
        fx.get("/api/items/SYS-404").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn ids_that_look_like_paths_never_reach_a_file() {
    let fx = Fixture::new(true).await;
    for path in [
        "/api/items/..%2Fpasswd",
        "/api/items/..%2F..%2Fpasswd",
        "/api/items/%2e%2e",
        "/api/items/%2Fetc%2Fpasswd",
        "/api/items/content%2Freq%2FSYS-001.md",
        "/api/items/%00",
        "/api/items/%FF",
    ] {
        let reply = fx.get(path).await;
        assert!(
            matches!(reply.status.as_u16(), 400 | 404),
            "{path}: {} {}",
            reply.status,
            reply.body
        );
        assert!(!reply.body.to_string().contains("root:x"), "{path}");
        let put = fx
            .write("PUT", path, Some("\"x\""), json!({ "title": "x" }))
            .await;
        assert!(
            matches!(put.status.as_u16(), 400 | 404),
            "PUT {path}: {}",
            put.status
        );
    }
}

#[tokio::test]
async fn update_needs_if_match_refuses_stale_and_commits_as_the_user() {
    let fx = Fixture::new(true).await;
    let patch = json!({ "title": "Occlusion alarm" });
    let missing = fx
        .write("PUT", "/api/items/SYS-001", None, patch.clone())
        .await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
    let star = fx
        .write("PUT", "/api/items/SYS-001", Some("*"), patch.clone())
        .await;
    assert_eq!(star.status, StatusCode::PRECONDITION_REQUIRED);

    let etag = fx.etag("SYS-001").await;
    let stale = fx
        .write(
            "PUT",
            "/api/items/SYS-001",
            Some("\"0000000000000000\""),
            patch.clone(),
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.header("etag").as_deref(), Some(etag.as_str()));
    assert_eq!(fx.file("content/req/SYS-001.md"), SYS);

    let done = fx
        .write("PUT", "/api/items/SYS-001", Some(&etag), patch)
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let new_etag = fx.etag("SYS-001").await;
    assert_eq!(done.body["id"], "SYS-001");
    assert_eq!(done.body["etag"], new_etag.as_str());
    assert_eq!(done.header("etag"), Some(new_etag));
    let (commit, name, email) = fx.head();
    assert_eq!(done.body["commit"], commit.as_str());
    assert_eq!(
        (name.as_str(), email.as_str()),
        ("ann", "ann@users.tracebook.invalid")
    );
    assert!(
        fx.file("content/req/SYS-001.md")
            .contains("title: Occlusion alarm\n")
    );
    // The old ETag is stale now.
    let again = fx
        .write(
            "PUT",
            "/api/items/SYS-001",
            Some(&etag),
            json!({ "title": "X" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn an_edit_adding_errors_is_422_with_diagnostics_and_bad_bodies_are_400_or_415() {
    let fx = Fixture::new(true).await;
    let etag = fx.etag("SYS-001").await;
    let patch = json!({ "links": { "derives_from": ["STK-999"] } });
    let reply = fx
        .write("PUT", "/api/items/SYS-001", Some(&etag), patch)
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let diagnostic = &reply.body["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0203");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["file"], "content/req/SYS-001.md");
    assert!(diagnostic["line"].as_u64().is_some_and(|l| l > 0));
    assert_eq!(fx.file("content/req/SYS-001.md"), SYS);

    let unknown = fx
        .write(
            "PUT",
            "/api/items/SYS-001",
            Some(&etag),
            json!({ "colour": "red" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
    let request = Request::put("/api/items/SYS-001")
        .header(header::IF_MATCH, &etag)
        .body(Body::from("{}"))
        .unwrap();
    let no_type = fx.send(Role::Editor, request).await;
    assert_eq!(no_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn create_answers_201_with_location_and_delete_retires() {
    let fx = Fixture::new(true).await;
    let new = json!({ "kind": "need", "title": "Battery life", "body": "Eight hours." });
    let created = fx.write("POST", "/api/items", None, new).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.header("location").as_deref(),
        Some("/api/items/STK-002")
    );
    assert_eq!(created.body["id"], "STK-002");
    let etag = fx.etag("STK-002").await;
    assert_eq!(created.header("etag"), Some(etag.clone()));

    let missing = fx
        .write("DELETE", "/api/items/STK-002", None, Value::Null)
        .await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
    let retired = fx
        .write("DELETE", "/api/items/STK-002", Some(&etag), Value::Null)
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.body);
    let item = fx.get("/api/items/STK-002").await;
    assert_eq!(item.body["status"], "obsolete");
    assert!(fx.root.join("content/need/STK-002.md").exists());
}

#[tokio::test]
async fn viewers_cannot_write() {
    let fx = Fixture::new(true).await;
    let etag = fx.etag("SYS-001").await;
    let request = Request::put("/api/items/SYS-001")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::IF_MATCH, &etag)
        .body(Body::from(r#"{"title":"X"}"#))
        .unwrap();
    let reply = fx.send(Role::Viewer, request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(fx.file("content/req/SYS-001.md"), SYS);
}

#[tokio::test]
async fn without_git_reads_work_and_writes_are_503() {
    let fx = Fixture::new(false).await;
    assert_eq!(fx.get("/api/items").await.body["total"], 2);
    let reply = fx.get("/api/items/SYS-001").await;
    assert_eq!(reply.status, StatusCode::OK);
    let etag = reply.header("etag").expect("ETag");
    let put = fx
        .write(
            "PUT",
            "/api/items/SYS-001",
            Some(&etag),
            json!({ "title": "X" }),
        )
        .await;
    assert_eq!(put.status, StatusCode::SERVICE_UNAVAILABLE);
    let post = fx
        .write(
            "POST",
            "/api/items",
            None,
            json!({ "kind": "need", "title": "X" }),
        )
        .await;
    assert_eq!(post.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[test]
fn authors_are_safe_for_git() {
    let mut principal = principal(Role::Editor);
    principal.user.name = "<bob>".to_owned();
    let author = super::author(&principal);
    assert_eq!(author.name, "_bob_");
    assert_eq!(author.email, "_bob_@users.tracebook.invalid");
    principal.user.name = "...".to_owned();
    assert_eq!(super::author(&principal).name, "user-7");
    git2::Signature::now(&author.name, &author.email).expect("a valid signature");
}
