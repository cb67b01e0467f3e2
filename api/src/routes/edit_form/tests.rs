//! The edit form against a real git repository, driven through its router with a signed-in
//! principal put into the request's extensions (the auth layers are tested on their own).

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use git2::Repository;
use tower::ServiceExt;

use super::{EditForm, routes};
use crate::accounts::{AccountStore, Role, User};
use crate::auth::{Principal, Via};
use crate::config::ServerConfig;
use crate::edits::{Author, Editor, Patch};
use crate::publishing::Publishing;
use crate::routes::table::router;
use crate::state::AppState;
use tracebook_test_support::git::commit_all;
use tracebook_test_support::project::write;

const CONFIG: &str = tracebook_test_support::project::NEEDS_AND_REQUIREMENTS;

const SYS: &str = "---
id: SYS-001
kind: requirement
title: Alarm # short
tags: [safety]
links:
  derives_from: [STK-001]
---
The pump shall alarm.
";

const CSRF: &str = "csrf-token-of-the-session";

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    site: PathBuf,
    state: AppState,
}

impl Fixture {
    /// A committed project, its site built, and server state with an editor (and a rebuilder
    /// when `rebuild`).
    async fn new(rebuild: bool) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        let site = dir.path().join("site");
        write(&root, ".gitignore", ".tracebook/\n");
        write(&root, "tracebook.yaml", CONFIG);
        write(
            &root,
            "content/need/STK-001.md",
            "---\nid: STK-001\nkind: need\ntitle: Need\n---\n",
        );
        write(&root, "content/req/SYS-001.md", SYS);
        let repo = Repository::init(&root).expect("init");
        commit_all(&repo, "initial");
        let publishing = Publishing::embedded(root.clone(), site.clone(), dir.path().join("work"))
            .await
            .expect("first build");
        let url = format!("sqlite://{}", dir.path().join("accounts.db").display());
        let accounts = AccountStore::open(&url).await.expect("accounts");
        let config = ServerConfig {
            secret_key: vec![7; 32],
            ..ServerConfig::default()
        };
        let mut state = AppState::new(root.clone(), site.clone(), accounts, config)
            .with_editor(Editor::open(&root, None).expect("editor"));
        if rebuild {
            state.publishing = Some(publishing);
        }
        Fixture {
            _dir: dir,
            root,
            site,
            state,
        }
    }

    fn app(&self, role: Role) -> Router {
        router(routes())
            .with_state(self.state.clone())
            .layer(axum::Extension(principal(role)))
    }

    async fn get(&self, role: Role, path: &str) -> Reply {
        let request = Request::get(path).body(Body::empty()).expect("request");
        send(self.app(role), request).await
    }

    async fn post(&self, role: Role, path: &str, form: &EditForm) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", CSRF)
            .append_pair("title", &form.title)
            .append_pair("status", &form.status)
            .append_pair("tags", &form.tags)
            .append_pair("body", &form.body)
            .append_pair("etag", &form.etag)
            .finish();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        send(self.app(role), request).await
    }

    /// The form as the GET shows it, parsed back from its HTML.
    async fn form(&self) -> EditForm {
        let reply = self.get(Role::Editor, "/items/SYS-001/edit").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let (item, etag) = self.editor().item("SYS-001").await.expect("item");
        assert!(reply.body.contains(&attr(etag.as_str())), "{}", reply.body);
        EditForm::of(&crate::views::ItemView::from(&item), &etag)
    }

    fn editor(&self) -> &Editor {
        self.state.editor.as_deref().expect("editor")
    }

    fn file(&self) -> String {
        std::fs::read_to_string(self.root.join("content/req/SYS-001.md")).expect("read")
    }

    fn head(&self) -> git2::Oid {
        let repo = Repository::open(&self.root).expect("open");
        let head = repo.head().expect("head").peel_to_commit().expect("commit");
        head.id()
    }
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

async fn send(app: Router, request: Request<Body>) -> Reply {
    let response = app.oneshot(request).await.expect("infallible");
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Reply {
        status,
        location,
        body: String::from_utf8(bytes.to_vec()).expect("utf-8"),
    }
}

fn principal(role: Role) -> Principal {
    Principal {
        user: User {
            id: 1,
            name: "ann".to_owned(),
            role,
            created_at: 0,
            is_disabled: false,
            has_mfa: false,
        },
        via: Via::Session {
            id_hash: "0".repeat(64),
            csrf_token: CSRF.to_owned(),
            mfa_passed: false,
        },
    }
}

/// How tera escapes `text` inside an attribute value.
fn attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[tokio::test]
async fn shows_the_form_filled_with_etag_and_csrf_token() {
    let fx = Fixture::new(false).await;
    let reply = fx.get(Role::Editor, "/items/SYS-001/edit").await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = &reply.body;
    assert!(html.contains(r#"action="/items/SYS-001/edit""#), "{html}");
    assert!(html.contains(&format!(r#"name="csrf_token" value="{CSRF}""#)));
    assert!(html.contains(r#"name="title" value="Alarm""#), "{html}");
    assert!(html.contains(r#"name="tags" value="safety""#), "{html}");
    assert!(
        html.contains(">\nThe pump shall alarm.\n</textarea>"),
        "{html}"
    );
    assert!(html.contains(r#"href="/items/SYS-001/index.html""#));
    // No inline script or style: the CSP is default-src 'self'.
    assert!(!html.contains("<script") && !html.contains("style="));
}

#[tokio::test]
async fn a_viewer_gets_a_403_page_and_cannot_save() {
    let fx = Fixture::new(false).await;
    let reply = fx.get(Role::Viewer, "/items/SYS-001/edit").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("editor role"), "{}", reply.body);
    assert!(!reply.body.contains("<textarea"));
    let mut form = fx.form().await;
    form.title = "Viewer was here".to_owned();
    let reply = fx.post(Role::Viewer, "/items/SYS-001/edit", &form).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(fx.file(), SYS);
}

#[tokio::test]
async fn bad_and_unknown_ids_get_400_and_404_pages() {
    let fx = Fixture::new(false).await;
    let reply = fx.get(Role::Editor, "/items/9%3Cb%3E/edit").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("9&lt;b&gt;"), "{}", reply.body);
    assert!(!reply.body.contains("<b>"));
    let reply = fx.get(Role::Editor, "/items/SYS-404/edit").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("There is no item SYS-404."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_commits_the_change_and_redirects_once_the_site_shows_it() {
    let fx = Fixture::new(true).await;
    let mut form = fx.form().await;
    form.title = "Occlusion alarm".to_owned();
    form.body = "The pump shall alarm.\r\nLoudly.\r\n".to_owned();
    let reply = fx.post(Role::Editor, "/items/SYS-001/edit", &form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location.as_deref(), Some("/items/SYS-001/index.html"));
    // Only what changed, with the file's line ends; the comment and tags stay.
    assert_eq!(
        fx.file(),
        SYS.replace("title: Alarm # short", "title: Occlusion alarm # short")
            .replace("alarm.\n", "alarm.\nLoudly.\n")
    );
    let repo = Repository::open(&fx.root).expect("open");
    let head = repo.find_commit(fx.head()).expect("commit");
    assert_eq!(head.author().name(), Some("ann"));
    assert_eq!(head.author().email(), Some("ann@users.tracebook.invalid"));
    // The redirect came after the rebuild: the page already shows the new title.
    let page = std::fs::read_to_string(fx.site.join("items/SYS-001/index.html")).expect("page");
    assert!(page.contains("Occlusion alarm"));
    assert!(page.contains(&head.id().to_string()));
}

#[tokio::test]
async fn an_unchanged_form_commits_nothing() {
    let fx = Fixture::new(false).await;
    let head = fx.head();
    let form = fx.form().await;
    let reply = fx.post(Role::Editor, "/items/SYS-001/edit", &form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(fx.head(), head);
}

#[tokio::test]
async fn a_stale_form_comes_back_with_the_text_kept_and_the_new_etag() {
    let fx = Fixture::new(false).await;
    let mut form = fx.form().await;
    // Someone else saves first.
    let (_, etag) = fx.editor().item("SYS-001").await.expect("item");
    let bob = Author {
        name: "bob".to_owned(),
        email: "bob@example.com".to_owned(),
    };
    let patch = Patch {
        title: Some("Bob's alarm".to_owned()),
        ..Patch::default()
    };
    fx.editor()
        .update("SYS-001", patch, &etag, bob)
        .await
        .expect("bob's edit");
    let theirs = fx.file();
    form.title = "Ann says <alarm>".to_owned();
    form.body = "Ann's text & more".to_owned();
    let reply = fx.post(Role::Editor, "/items/SYS-001/edit", &form).await;
    assert_eq!(reply.status, StatusCode::PRECONDITION_FAILED);
    let html = &reply.body;
    assert!(html.contains("Someone else changed SYS-001"), "{html}");
    assert!(html.contains(r#"value="Ann says &lt;alarm&gt;""#), "{html}");
    assert!(html.contains("text &amp; more</textarea>"), "{html}");
    assert!(html.contains("Bob"), "their version is shown: {html}");
    let (_, current) = fx.editor().item("SYS-001").await.expect("item");
    assert!(html.contains(&format!(
        r#"name="etag" value="{}""#,
        attr(current.as_str())
    )));
    assert_eq!(fx.file(), theirs, "nothing was written");
}

#[tokio::test]
async fn an_invalid_edit_comes_back_with_its_diagnostics_and_the_input_kept() {
    let fx = Fixture::new(false).await;
    let head = fx.head();
    let mut form = fx.form().await;
    form.status = "bogus".to_owned();
    form.title = "Kept title".to_owned();
    let reply = fx.post(Role::Editor, "/items/SYS-001/edit", &form).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = &reply.body;
    assert!(html.contains("<code>E0209</code>"), "{html}");
    assert!(html.contains("content/req/SYS-001.md, line "), "{html}");
    assert!(html.contains(r#"name="status" value="bogus""#));
    assert!(html.contains(r#"name="title" value="Kept title""#));
    assert_eq!(fx.head(), head);
    assert_eq!(fx.file(), SYS);
}
