//! A signed-in session cannot swap the user's authenticator for the holder's own without the
//! current second factor: someone who finds a signed-in browser must not take the account's
//! second factor over.

use tracebook_store::accounts::{Role, totp_code_at};

use crate::support::{Db, TestServer, unix_now};

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {text}"))
        + start.len();
    let rest = &text[from..];
    rest[..rest.find(end).expect("end")].to_owned()
}

/// The pending secret and CSRF token of the enrollment page.
async fn enrollment(server: &TestServer, client: &reqwest::Client) -> (String, String) {
    let html = client
        .get(server.url("/account/mfa"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("text");
    (
        between(&html, "<code class=\"secret\">", "</code>"),
        between(&html, "name=\"csrf_token\" value=\"", "\""),
    )
}

async fn confirm(
    server: &TestServer,
    client: &reqwest::Client,
    form: &[(&str, &str)],
) -> (u16, String) {
    let response = client
        .post(server.url("/account/mfa"))
        .form(form)
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_the_authenticator_needs_the_current_code_or_a_recovery_code() {
    let server = TestServer::start(Db::Sqlite).await;
    server.add_user("ann", Role::Viewer).await;
    let (client, _) = server.signed_in("ann").await;
    let (first, csrf) = enrollment(&server, &client).await;
    let code = totp_code_at(&first, unix_now()).expect("code");
    let (status, html) = confirm(&server, &client, &[("csrf_token", &csrf), ("code", &code)]).await;
    assert_eq!(status, 200, "first enrollment needs no old code: {html}");
    let recovery = between(&html, "<li><code>", "</code>");

    // The same session now enrolls an app of its own.
    let (second, csrf) = enrollment(&server, &client).await;
    assert_ne!(second, first);
    let new_code = totp_code_at(&second, unix_now()).expect("code");
    let (status, _) = confirm(
        &server,
        &client,
        &[("csrf_token", &csrf), ("code", &new_code)],
    )
    .await;
    assert_eq!(status, 422, "no current code: refused");
    let (status, _) = confirm(
        &server,
        &client,
        &[
            ("csrf_token", &csrf),
            ("code", &new_code),
            ("current", "000000"),
        ],
    )
    .await;
    assert_eq!(status, 422, "a wrong current code: refused");
    let stored = server
        .state
        .accounts
        .verify_second_factor(
            1,
            &totp_code_at(&first, unix_now() + 30).expect("code"),
            unix_now() + 30,
        )
        .await
        .expect("verify");
    assert!(stored.is_some(), "the first app still works");

    // With a recovery code (the old app is lost), the replacement goes through.
    let (_, csrf) = enrollment(&server, &client).await;
    let (status, html) = confirm(
        &server,
        &client,
        &[
            ("csrf_token", &csrf),
            ("code", &new_code),
            ("current", &recovery),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
}
