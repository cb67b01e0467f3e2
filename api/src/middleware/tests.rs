//! The outer layers' own answers (413 body limit, 408 timeout, 500 panic) carry the security
//! headers and `no-store`; the cache rule spares only the shared theme files. The route walk
//! (`api/tests/http/route_walk.rs`) covers every route's answers over real HTTP.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower::ServiceExt;

use std::time::Duration;

use super::{BODY_LIMIT, CONTENT_SECURITY_POLICY, stack, stack_with_timeout};
use crate::accounts::AccountStore;
use crate::config::ServerConfig;
use crate::state::AppState;

async fn state(dir: &tempfile::TempDir) -> AppState {
    let url = format!("sqlite://{}", dir.path().join("accounts.db").display());
    let accounts = AccountStore::open(&url).await.expect("accounts");
    let config = ServerConfig {
        secret_key: b"a test key that is long enough for signing cookies".to_vec(),
        ..ServerConfig::default()
    };
    let root = dir.path().join("project");
    AppState::new(root, dir.path().join("site"), accounts, config)
}

fn assert_secure(headers: &HeaderMap, what: &str) {
    assert_eq!(
        headers[header::CONTENT_SECURITY_POLICY],
        CONTENT_SECURITY_POLICY,
        "{what}"
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{what}");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{what}");
    assert!(headers.contains_key("permissions-policy"), "{what}");
    assert!(headers.contains_key("x-request-id"), "{what}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{what}");
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let app = crate::app(state(&dir).await);
    for path in ["/api/items", "/login", "/api/hooks/git"] {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, BODY_LIMIT + 1)
            .body(Body::from(vec![b' '; BODY_LIMIT + 1]))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_secure(response.headers(), &format!("413 on {path}"));
    }
}

/// `/healthz` is public, so these test routes are reached without signing in.
async fn app_with_health(dir: &tempfile::TempDir, handler: Router<AppState>) -> Router {
    stack(handler, state(dir).await)
}

#[tokio::test]
async fn a_timeout_is_answered_408_with_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let slow = Router::new().route(
        "/healthz",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "too late"
        }),
    );
    // The real stack with a short timeout, so the test does not wait 30 s.
    let app = stack_with_timeout(slow, state(&dir).await, Duration::from_millis(50));
    let request = Request::get("/healthz").body(Body::empty()).unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert_secure(response.headers(), "408");
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_with_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let broken = Router::new().route(
        "/healthz",
        get(|| async {
            if std::hint::black_box(true) {
                panic!("a bug in a handler");
            }
            "unreachable"
        }),
    );
    let app = app_with_health(&dir, broken).await;
    let request = Request::get("/healthz").body(Body::empty()).unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_secure(response.headers(), "500 after a panic");
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(
        &body[..],
        br#"{"error":"internal error"}"#,
        "no detail leaks"
    );
}

#[tokio::test]
async fn only_the_shared_theme_files_may_be_cached() {
    let dir = tempfile::tempdir().unwrap();
    let cached =
        || async { ([(header::CACHE_CONTROL, "public, max-age=60")], "body").into_response() };
    let routes = Router::new()
        .route("/assets/style.css", get(cached))
        .route("/healthz", get(cached));
    let app = app_with_health(&dir, routes).await;
    let shared = app
        .clone()
        .oneshot(
            Request::get("/assets/style.css")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        shared.headers()[header::CACHE_CONTROL],
        "public, max-age=60"
    );
    let private = app
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(private.status(), StatusCode::OK);
    assert_secure(
        private.headers(),
        "a handler's own cache header is replaced",
    );
}
