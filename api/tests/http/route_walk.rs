//! Walks every route of the route table (`tracebook_api::routes()`, which the router is built
//! from, so no route can be missed) with every method, as an anonymous client, a viewer's API
//! token and a viewer's browser session, plus an oversized body on every route that takes one,
//! and the built site's paths (the router's fallback). Each answer must:
//! - respect the auth wall: anonymous requests to a route not marked public are refused (401
//!   JSON under `/api/`, 303 to the sign-in page elsewhere), and public routes are not;
//! - refuse a session's unsafe request without its CSRF token (403), but on the sign-in form;
//! - answer exactly the table's methods (405 for the others);
//! - carry the security headers and `Cache-Control: no-store` (but for the shared theme files),
//!   whatever its status; and never be a 500.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use tracebook_api::Access;
use tracebook_store::accounts::Role;

use crate::support::{Db, TestServer, on_both_databases};

on_both_databases!(every_route_is_walled_and_every_answer_is_secure);

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// Theme files the sign-in page needs: public and cacheable.
const SHARED_FILES: [&str; 2] = ["/assets/style.css", "/assets/favicon.svg"];

/// Site paths (served by the fallback): pages, an asset, a miss.
const SITE_PATHS: [&str; 5] = [
    "/",
    "/index.html",
    "/items/SYS-001/index.html",
    "/no/such/page.html",
    "/assets/search/../../tracebook.yaml",
];

/// More than the server's body limit (1 MiB).
const OVERSIZED: usize = 1024 * 1024 + 1;

/// What one request got, for the messages.
struct Answer {
    what: String,
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
}

impl Answer {
    async fn of(what: String, request: reqwest::RequestBuilder) -> Answer {
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        Answer::read(what, &response)
    }

    /// The server answers 413 from the Content-Length alone and closes the connection, which
    /// can reset it while the client is still writing the body: the client then reports a send
    /// error instead of the answer. Such a request is sent again, a few times, until the
    /// answer is read.
    async fn of_oversized(what: String, request: reqwest::RequestBuilder) -> Answer {
        for _ in 0..4 {
            let attempt = request
                .try_clone()
                .expect("a buffered body can be sent again");
            if let Ok(response) = attempt.send().await {
                return Answer::read(what, &response);
            }
        }
        Answer::of(what, request).await
    }

    fn read(what: String, response: &reqwest::Response) -> Answer {
        Answer {
            what,
            status: response.status(),
            headers: response.headers().clone(),
        }
    }

    fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or("")
    }

    /// Refused by the login wall (not by a handler or a role check).
    fn walled(&self, path: &str) -> bool {
        if path.starts_with("/api/") {
            self.status == StatusCode::UNAUTHORIZED
        } else {
            self.status == StatusCode::SEE_OTHER && self.location().starts_with("/login?next=")
        }
    }

    fn assert_secure(&self, path: &str) {
        let what = &self.what;
        let header = |name: &str| {
            self.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{what}: no {name} header"))
        };
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{what}: CSP {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{what}: CSP {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
        assert_eq!(header("x-frame-options"), "DENY", "{what}");
        header("permissions-policy");
        header("x-request-id");
        let shared = SHARED_FILES.contains(&path);
        if !shared {
            assert_eq!(header("cache-control"), "no-store", "{what}");
        }
        assert_ne!(self.status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
    }
}

/// The path with its parameter filled in (an existing item; not a token id, which the
/// handler refuses as malformed: a viewer must not revoke anything anyway).
fn concrete(path: &str) -> String {
    path.replace("{id}", "SYS-001")
}

async fn every_route_is_walled_and_every_answer_is_secure(db: Db) {
    let server = TestServer::start(db).await;
    server.add_user("vic", Role::Viewer).await;
    let (_, token) = server
        .state
        .accounts
        .create_token("vic", "route walk")
        .await
        .expect("token");
    let (session, _csrf) = server.signed_in("vic").await;
    let anonymous = server.client();
    let routes = tracebook_api::routes();
    let paths: BTreeSet<&str> = routes.iter().map(|r| r.path).collect();
    assert_eq!(paths.len(), routes.len(), "one table entry per path");
    for expected in [
        "/api/items/{id}",
        "/login",
        "/items/{id}/edit",
        "/api/tokens/{id}",
    ] {
        assert!(paths.contains(expected), "the table lists {expected}");
    }
    let mut statuses = BTreeSet::new();
    for route in &routes {
        let path = concrete(route.path);
        let url = server.url(&path);
        for method in METHODS {
            let routed = route.methods.contains(&method);
            let label = |who: &str| format!("{method} {path} ({who})");

            let answer =
                Answer::of(label("anonymous"), anonymous.request(method.clone(), &url)).await;
            answer.assert_secure(&path);
            match route.access {
                Access::SignedIn => assert!(
                    answer.walled(&path),
                    "{}: expected the login wall, got {} {}",
                    answer.what,
                    answer.status,
                    answer.location()
                ),
                Access::Public => assert!(
                    !answer.walled(&path),
                    "{}: public, but walled ({})",
                    answer.what,
                    answer.status
                ),
            }
            statuses.insert(answer.status);

            let request = anonymous.request(method.clone(), &url).bearer_auth(&token);
            let answer = Answer::of(label("viewer token"), request).await;
            answer.assert_secure(&path);
            assert_eq!(
                answer.status == StatusCode::METHOD_NOT_ALLOWED,
                !routed,
                "{}: the table says {:?}, the router answered {}",
                answer.what,
                route.methods,
                answer.status
            );
            statuses.insert(answer.status);

            let answer = Answer::of(
                label("viewer session"),
                session.request(method.clone(), &url),
            )
            .await;
            answer.assert_secure(&path);
            if method != Method::GET && route.path != "/login" {
                assert_eq!(
                    answer.status,
                    StatusCode::FORBIDDEN,
                    "{}: a session write without its CSRF token",
                    answer.what
                );
            }
            statuses.insert(answer.status);
        }
        for method in route.methods.iter().filter(|m| **m != Method::GET) {
            let request = anonymous
                .request(method.clone(), &url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                // The server closes the connection after its 413 (the body is never read), so
                // the client must not put it back in its pool for the next request.
                .header("connection", "close")
                .body(vec![b' '; OVERSIZED]);
            let answer =
                Answer::of_oversized(format!("{method} {path} (oversized body)"), request).await;
            answer.assert_secure(&path);
            assert_eq!(
                answer.status,
                StatusCode::PAYLOAD_TOO_LARGE,
                "{}",
                answer.what
            );
            statuses.insert(answer.status);
        }
    }
    for path in SITE_PATHS.iter().chain(&SHARED_FILES) {
        let url = server.url(path);
        let answer = Answer::of(format!("GET {path} (anonymous)"), anonymous.get(&url)).await;
        answer.assert_secure(path);
        assert_eq!(
            answer.walled(path),
            !SHARED_FILES.contains(path),
            "{}",
            answer.what
        );
        let answer = Answer::of(format!("GET {path} (session)"), session.get(&url)).await;
        answer.assert_secure(path);
        statuses.insert(answer.status);
    }
    // The walk provoked every kind of answer it checks.
    for status in [200, 303, 401, 403, 404, 405, 413] {
        assert!(
            statuses.contains(&StatusCode::from_u16(status).unwrap()),
            "no {status} among {statuses:?}"
        );
    }
}
