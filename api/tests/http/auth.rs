//! Sign-in and out, wrong passwords, rate limits, CSRF, bearer tokens, first-run setup.

use tracebook_api::ServerConfig;
use tracebook_store::accounts::Role;

use crate::support::{Db, PASSWORD, TestServer, config, on_both_databases};

on_both_databases!(
    login_and_logout,
    wrong_password_is_refused_and_audited,
    repeated_failures_are_rate_limited,
    unsafe_requests_need_the_csrf_token,
    bearer_tokens_work_until_revoked,
    first_run_setup_link_works_once,
    sessions_rotate_at_sign_in_and_end_when_idle,
    oversized_bodies_are_refused,
);

async fn login_and_logout(db: Db) {
    let server = TestServer::start(db).await;
    server.add_user("ann", Role::Viewer).await;
    let client = server.client();

    // Anonymous: pages redirect to the sign-in page, the API answers 401.
    let page = client.get(server.url("/index.html")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login?next=%2Findex.html");
    let api = client.get(server.url("/api/me")).send().await.unwrap();
    assert_eq!(api.status(), 401);

    let login = server.login(&client, "ann", PASSWORD).await;
    assert_eq!(login.status(), 303);
    assert_eq!(login.headers()["location"], "/index.html");
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("tb_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http: no Secure flag ({cookie})"
    );

    let page = client.get(server.url("/index.html")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<html"));

    let csrf = server.csrf(&client).await;
    let logout = client
        .post(server.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 303);
    assert_eq!(logout.headers()["location"], "/login");
    let page = client.get(server.url("/index.html")).send().await.unwrap();
    assert_eq!(page.status(), 303, "signed out");

    // The old cookie value is dead on the server, not only forgotten by this browser.
    let replay = server.client();
    let value = cookie.split(';').next().unwrap();
    let page = replay
        .get(server.url("/index.html"))
        .header("cookie", value)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303, "a signed-out session id is refused");
}

async fn wrong_password_is_refused_and_audited(db: Db) {
    let server = TestServer::start(db).await;
    server.add_user("ann", Role::Viewer).await;
    let client = server.client();
    let response = server
        .login(&client, "ann", "not the password at all")
        .await;
    assert_eq!(response.status(), 401);
    assert!(response.headers().get("set-cookie").is_none());
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Wrong name or password")
    );
    let unknown = server.login(&client, "nobody", PASSWORD).await;
    assert_eq!(unknown.status(), 401, "unknown users get the same answer");
    let page = client.get(server.url("/index.html")).send().await.unwrap();
    assert_eq!(page.status(), 303);

    let audit = server.state.accounts.recent_audit(10).await.unwrap();
    let failed: Vec<_> = audit
        .iter()
        .filter(|entry| entry.event == "login_failed")
        .map(|entry| entry.user_name.clone().unwrap_or_default())
        .collect();
    assert!(failed.contains(&"ann".to_owned()), "{audit:?}");
    assert!(failed.contains(&"nobody".to_owned()), "{audit:?}");
    assert!(
        audit
            .iter()
            .all(|entry| entry.client.as_deref() == Some("127.0.0.1")),
        "{audit:?}"
    );
}

async fn repeated_failures_are_rate_limited(db: Db) {
    let config = ServerConfig {
        login_attempts_per_minute: 3,
        ..config()
    };
    let server = TestServer::with_config(db, config).await;
    server.add_user("ann", Role::Viewer).await;
    let client = server.client();
    for _ in 0..3 {
        let response = server.login(&client, "ann", "wrong password!!").await;
        assert_eq!(response.status(), 401);
    }
    let limited = server.login(&client, "ann", "wrong password!!").await;
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    // Locked: even the right password waits.
    let locked = server.login(&client, "ann", PASSWORD).await;
    assert_eq!(locked.status(), 429);
    let audit = server.state.accounts.recent_audit(20).await.unwrap();
    assert!(audit.iter().any(|entry| entry.event == "login_limited"));
}

async fn unsafe_requests_need_the_csrf_token(db: Db) {
    let server = TestServer::start(db).await;
    server.add_user("root", Role::Admin).await;
    server.add_user("ann", Role::Viewer).await;
    let (client, csrf) = server.signed_in("root").await;
    let body = serde_json::json!({ "user": "ann", "name": "ci" });

    let missing = client
        .post(server.url("/api/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 403);
    let wrong = client
        .post(server.url("/api/tokens"))
        .header("x-csrf-token", "0".repeat(64))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let wrong_form = client
        .post(server.url("/logout"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_form.status(), 403);
    assert!(
        server
            .state
            .accounts
            .list_tokens()
            .await
            .unwrap()
            .is_empty()
    );

    let right = client
        .post(server.url("/api/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 201);

    // No session yet: a cross-site sign-in post is refused by its fetch metadata.
    let cross = server
        .client()
        .post(server.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "ann"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
}

async fn bearer_tokens_work_until_revoked(db: Db) {
    let server = TestServer::start(db).await;
    server.add_user("root", Role::Admin).await;
    server.add_user("ci", Role::Editor).await;
    let (admin, csrf) = server.signed_in("root").await;
    let created: serde_json::Value = admin
        .post(server.url("/api/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "user": "ci", "name": "pipeline" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("tb_"));

    let script = reqwest::Client::new();
    let me: serde_json::Value = script
        .get(server.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "ci");
    assert_eq!(me["role"], "editor");
    assert!(
        me["csrf_token"].is_null(),
        "token requests need no CSRF token"
    );
    let page = script
        .get(server.url("/index.html"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let not_admin = script
        .get(server.url("/api/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(not_admin.status(), 403);

    let audit = server.state.accounts.recent_audit(20).await.unwrap();
    let created_line = audit
        .iter()
        .find(|entry| entry.event == "token.create")
        .expect("token creation is audited");
    assert!(
        !created_line.detail.contains(&token),
        "no secret in the log"
    );
    let id = created["id"].as_i64().unwrap();
    let revoked = admin
        .delete(server.url(&format!("/api/tokens/{id}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let audit = server.state.accounts.recent_audit(20).await.unwrap();
    assert!(audit.iter().any(|entry| entry.event == "token.revoke"));
    let refused = script
        .get(server.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let forged = script
        .get(server.url("/api/me"))
        .bearer_auth("tb_0000")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}

async fn first_run_setup_link_works_once(db: Db) {
    let server = TestServer::start(db).await;
    let secret = server.state.setup.issue().unwrap();
    let client = server.client();
    let no_token = client.get(server.url("/setup")).send().await.unwrap();
    assert_eq!(no_token.status(), 403);
    let page = client
        .get(server.url(&format!("/setup?token={secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let mismatch = client
        .post(server.url("/setup"))
        .form(&[
            ("token", secret.as_str()),
            ("name", "root"),
            ("password", PASSWORD),
            ("password_repeat", "something else entirely"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), 422);
    let created = client
        .post(server.url("/setup"))
        .form(&[
            ("token", secret.as_str()),
            ("name", "root"),
            ("password", PASSWORD),
            ("password_repeat", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 303);
    let me: serde_json::Value = client
        .get(server.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin", "the setup signs the new admin in");
    let again = server
        .client()
        .get(server.url(&format!("/setup?token={secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404, "set up already");
}

/// The session cookie a response sets (name=value).
fn session_cookie(response: &reqwest::Response) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn sessions_rotate_at_sign_in_and_end_when_idle(db: Db) {
    let config = ServerConfig {
        session_idle: std::time::Duration::from_secs(1),
        ..config()
    };
    let server = TestServer::with_config(db, config).await;
    server.add_user("ann", Role::Viewer).await;
    let client = server.client();
    let first = session_cookie(&server.login(&client, "ann", PASSWORD).await);
    // Signing in again from the same browser (an old tab) replaces the id.
    let second = session_cookie(&server.login(&client, "ann", PASSWORD).await);
    assert_ne!(first, second);
    let replay = server
        .client()
        .get(server.url("/api/me"))
        .header("cookie", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401, "the replaced id is dead");
    let fresh = client.get(server.url("/api/me")).send().await.unwrap();
    assert_eq!(fresh.status(), 200);
    // Idle longer than allowed (1 s here; the lookup cache keeps answers for 2 s).
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let idle = client.get(server.url("/api/me")).send().await.unwrap();
    assert_eq!(idle.status(), 401, "an idle session ends");
}

async fn oversized_bodies_are_refused(db: Db) {
    let server = TestServer::start(db).await;
    server.add_user("eve", Role::Editor).await;
    let before = server.commit_count();
    // Announced too big: refused from the headers alone, before any byte of the body.
    let status = status_of_announced_body(&server, 2 * 1024 * 1024).await;
    assert_eq!(status, "413", "an announced 2 MiB body");

    // Sent in full by a signed-in editor: 413, or the server hangs up while the client is
    // still writing (it answers 413 and closes as soon as the limit is passed, which can
    // reach the client as a broken pipe). Never accepted.
    let (client, csrf) = server.signed_in("eve").await;
    let sent = client
        .post(server.url("/api/items"))
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await;
    match sent {
        Ok(response) => assert_eq!(response.status(), 413),
        Err(err) => assert!(
            err.is_request() && format!("{err:?}").contains("BodyWrite"),
            "only a hang-up while the body is written is acceptable: {err:?}"
        ),
    }
    assert_eq!(server.commit_count(), before);
}

/// The status code of a POST to /api/items whose headers announce `length` bytes, sent over
/// a raw connection without the body.
async fn status_of_announced_body(server: &TestServer, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = server
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect");
    let request = format!(
        "POST /api/items HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut head = [0u8; 12];
    // A server that waited for the body instead of refusing it would never answer.
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_exact(&mut head),
    )
    .await
    .expect("an answer before the body is sent")
    .expect("read the status line");
    String::from_utf8_lossy(&head[9..12]).into_owned()
}
