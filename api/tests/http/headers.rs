//! Security headers on every kind of response: a page, a 404, a static file, a redirect, an
//! API refusal; HSTS only over https.

use tracebook_api::ServerConfig;
use tracebook_store::accounts::Role;

use crate::support::{Db, TestServer, config, on_both_databases};

on_both_databases!(
    every_response_carries_the_security_headers,
    hsts_only_over_https
);

fn assert_secure(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
    assert!(headers.contains_key("permissions-policy"), "{what}");
    assert!(headers.contains_key("x-request-id"), "{what}");
}

async fn every_response_carries_the_security_headers(db: Db) {
    let server = TestServer::start(db).await;
    server.add_user("ann", Role::Viewer).await;
    let (client, _) = server.signed_in("ann").await;
    let cases = [
        ("/index.html", 200, "a page"),
        ("/no/such/page.html", 404, "a 404"),
        ("/assets/style.css", 200, "a static file"),
    ];
    for (path, status, what) in cases {
        let response = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{what}");
        assert_secure(&response, what);
        assert!(!response.headers().contains_key("strict-transport-security"));
    }
    // Site files carry a validator: a browser's revalidation costs no body.
    let page = client.get(server.url("/index.html")).send().await.unwrap();
    let etag = page.headers()["etag"].clone();
    let again = client
        .get(server.url("/index.html"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_secure(&again, "a 304");
    let anonymous = server.client();
    let redirect = anonymous
        .get(server.url("/index.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 303);
    assert_secure(&redirect, "a redirect to sign in");
    let refused = anonymous
        .get(server.url("/api/items"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_secure(&refused, "an API refusal");
    let login = anonymous.get(server.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    assert_secure(&login, "the sign-in page");
    assert_eq!(login.headers()["cache-control"], "no-store");
    let html = login.text().await.unwrap();
    assert!(!html.contains("<script"), "no script on the sign-in page");
    assert!(!html.contains("style="), "no inline style");
}

async fn hsts_only_over_https(db: Db) {
    let config = ServerConfig {
        public_url: Some("https://trace.example.com".to_owned()),
        ..config()
    };
    let server = TestServer::with_config(db, config).await;
    server.add_user("ann", Role::Viewer).await;
    let client = server.client();
    let response = server.login(&client, "ann", crate::support::PASSWORD).await;
    assert_eq!(response.status(), 303);
    let hsts = response.headers()["strict-transport-security"]
        .to_str()
        .unwrap();
    assert!(hsts.starts_with("max-age="), "{hsts}");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "https: Secure cookie ({cookie})");
}
