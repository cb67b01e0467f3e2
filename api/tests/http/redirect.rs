//! `next=` after sign-in only ever leads to a page of this server: every known way of writing
//! another origin so that a browser goes there (scheme-relative `//`, backslashes, tabs and
//! newlines a URL parser drops, escaped slashes, schemes) ends at `/` instead.

use tracebook_store::accounts::Role;

use crate::support::{Db, TestServer};

/// Ways of saying "another site" that naive prefix checks let through.
const BYPASSES: &[&str] = &[
    "//evil.example",
    "//evil.example/path",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/ /evil.example",
    "/%09/evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil.example",
    "/.//evil.example",
    "/..//evil.example",
    "/./\\evil.example",
    "https:evil.example",
    "https://evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "data:text/html,x",
    "evil.example",
    "\u{0}/evil.example",
    "/\u{0}/evil.example",
    "/\u{7f}/evil.example",
    "/\u{2028}/evil.example",
    "\u{3000}//evil.example",
    " //evil.example",
    "/@evil.example",
    "//@evil.example",
    "//user:pass@evil.example",
];

/// Whether a browser at `base` following `Location: location` stays on `base`'s origin. The
/// browser's parser drops tabs and newlines and turns `\` into `/`; so does the url crate.
fn stays_here(base: &url::Url, location: &str) -> bool {
    let Ok(target) = base.join(location) else {
        return false;
    };
    target.origin() == base.origin()
        && location.starts_with('/')
        && !location.starts_with("//")
        && !location.starts_with("/\\")
        && !location.chars().any(|c| c.is_control() || c == '\\')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_never_leads_off_this_server() {
    let server = TestServer::start(Db::Sqlite).await;
    server.add_user("ann", Role::Viewer).await;
    let (client, _) = server.signed_in("ann").await;
    let base = url::Url::parse(&server.base).expect("base");
    let mut escaped = Vec::new();
    for next in BYPASSES {
        // Signed in, both pages send the browser straight on to `next`.
        for page in ["/login", "/login/mfa"] {
            let response = client
                .get(server.url(page))
                .query(&[("next", next)])
                .send()
                .await
                .expect("GET");
            let status = response.status();
            let location = response
                .headers()
                .get("location")
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
            let Some(location) = location.filter(|_| status == 303) else {
                escaped.push(format!("{page}?next={next:?} answered {status}"));
                continue;
            };
            if !stays_here(&base, &location) {
                escaped.push(format!("{page}?next={next:?} -> {location:?}"));
            }
        }
    }
    assert!(
        escaped.is_empty(),
        "left the server:\n{}",
        escaped.join("\n")
    );
    // A path of this server (with a query) is kept.
    let response = client
        .get(server.url("/login"))
        .query(&[("next", "/items/SYS-001/index.html?tab=links#top")])
        .send()
        .await
        .expect("GET");
    assert_eq!(
        response.headers()["location"],
        "/items/SYS-001/index.html?tab=links#top"
    );
}
