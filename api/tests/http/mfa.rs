//! TOTP enrollment by QR code, sign-in with a code, recovery codes, replay refusal, and the
//! MFA-required redirect.

use tracebook_api::ServerConfig;
use tracebook_store::accounts::{Role, totp_code_at};

use crate::support::{Db, PASSWORD, TestServer, config, on_both_databases, unix_now};

on_both_databases!(
    enroll_then_sign_in_with_totp_and_recovery_code,
    mfa_required_redirects
);

/// Enrolls the signed-in client; returns the secret and the recovery codes shown.
async fn enroll(server: &TestServer, client: &reqwest::Client) -> (String, Vec<String>) {
    let page = client.get(server.url("/account/mfa")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let secret = between(&html, "<code class=\"secret\">", "</code>");
    let qr = client
        .get(server.url("/account/mfa/qr.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert_eq!(qr.headers()["cache-control"], "no-store");
    assert!(qr.text().await.unwrap().contains("<svg"));

    let csrf = server.csrf(client).await;
    let wrong = client
        .post(server.url("/account/mfa"))
        .form(&[("csrf_token", csrf.as_str()), ("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let code = totp_code_at(&secret, unix_now()).unwrap();
    let done = client
        .post(server.url("/account/mfa"))
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    let html = done.text().await.unwrap();
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .map(|part| part.split("</code>").next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{html}");
    (secret, codes)
}

async fn enroll_then_sign_in_with_totp_and_recovery_code(db: Db) {
    // Eleven sign-in attempts on one account follow: more than the default limit allows.
    let config = ServerConfig {
        login_attempts_per_minute: 100,
        ..config()
    };
    let server = TestServer::with_config(db, config).await;
    server.add_user("ann", Role::Viewer).await;
    let (client, _) = server.signed_in("ann").await;
    let (secret, recovery) = enroll(&server, &client).await;

    // A new sign-in now stops at the second factor.
    let browser = server.client();
    let login = server.login(&browser, "ann", PASSWORD).await;
    assert_eq!(login.status(), 303);
    let pending_cookie = session_cookie(&login);
    assert_eq!(login.headers()["location"], "/login/mfa?next=%2Findex.html");
    let page = browser.get(server.url("/index.html")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login/mfa");
    let api = browser.get(server.url("/api/me")).send().await.unwrap();
    assert_eq!(api.status(), 403, "the API too waits for the second factor");

    let csrf = server.csrf_of_pending(&browser).await;
    let wrong = mfa_post(&server, &browser, &csrf, "123456").await;
    assert_eq!(wrong.status(), 401);
    // The enrollment used the current step; the next step's code is fresh (skew window).
    let code = totp_code_at(&secret, unix_now() + 30).unwrap();
    let passed = mfa_post(&server, &browser, &csrf, &code).await;
    assert_eq!(passed.status(), 303);
    assert_eq!(passed.headers()["location"], "/index.html");
    // Passing the second factor replaces the session id; the half-signed-in one is dead.
    assert_ne!(session_cookie(&passed), pending_cookie);
    let replay = server
        .client()
        .get(server.url("/index.html"))
        .header("cookie", &pending_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
    assert!(
        replay.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?")
    );
    let page = browser.get(server.url("/index.html")).send().await.unwrap();
    assert_eq!(page.status(), 200);

    // The same code cannot be used twice.
    let other = server.client();
    server.login(&other, "ann", PASSWORD).await;
    let csrf = server.csrf_of_pending(&other).await;
    let replay = mfa_post(&server, &other, &csrf, &code).await;
    assert_eq!(replay.status(), 401, "a TOTP code works once");
    // A recovery code works, written loosely, and only once.
    let loose = recovery[0].to_uppercase().replace('-', " ");
    let recovered = mfa_post(&server, &other, &csrf, &loose).await;
    assert_eq!(recovered.status(), 303);
    let third = server.client();
    server.login(&third, "ann", PASSWORD).await;
    let csrf = server.csrf_of_pending(&third).await;
    let reused = mfa_post(&server, &third, &csrf, &recovery[0]).await;
    assert_eq!(reused.status(), 401);
}

async fn mfa_post(
    server: &TestServer,
    client: &reqwest::Client,
    csrf: &str,
    code: &str,
) -> reqwest::Response {
    client
        .post(server.url("/login/mfa"))
        .form(&[
            ("csrf_token", csrf),
            ("code", code),
            ("next", "/index.html"),
        ])
        .send()
        .await
        .unwrap()
}

async fn mfa_required_redirects(db: Db) {
    let config = ServerConfig {
        mfa_required: true,
        ..config()
    };
    let server = TestServer::with_config(db, config).await;
    server.add_user("ann", Role::Editor).await;
    let client = server.client();
    let login = server.login(&client, "ann", PASSWORD).await;
    assert_eq!(login.status(), 303);
    let page = client.get(server.url("/index.html")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/account/mfa");
    let api = client.get(server.url("/api/items")).send().await.unwrap();
    assert_eq!(api.status(), 403);
    let (_, _) = enroll_with_session(&server, &client).await;
    let page = client.get(server.url("/index.html")).send().await.unwrap();
    assert_eq!(page.status(), 200, "enrolled: the site opens");
}

/// Enrollment while the rest of the site is closed: the CSRF token comes from the form.
async fn enroll_with_session(
    server: &TestServer,
    client: &reqwest::Client,
) -> (String, Vec<String>) {
    let html = client
        .get(server.url("/account/mfa"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = between(&html, "<code class=\"secret\">", "</code>");
    let csrf = between(&html, "name=\"csrf_token\" value=\"", "\"");
    let code = totp_code_at(&secret, unix_now()).unwrap();
    let done = client
        .post(server.url("/account/mfa"))
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    (secret, Vec::new())
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

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {text}"))
        + start.len();
    let rest = &text[from..];
    rest[..rest.find(end).expect("end")].to_owned()
}

impl TestServer {
    /// The CSRF token of a session waiting for its second factor, read from the MFA form
    /// (`/api/me` is closed until then).
    async fn csrf_of_pending(&self, client: &reqwest::Client) -> String {
        let html = client
            .get(self.url("/login/mfa"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        between(&html, "name=\"csrf_token\" value=\"", "\"")
    }
}
