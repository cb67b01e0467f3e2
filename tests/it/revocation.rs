//! Revoking a token or removing a user on the command line takes effect in a running
//! `tracebook serve` within the life of its lookup cache, also for a token in constant use.

use std::time::{Duration, Instant};

use crate::common::*;
use crate::serve::Server;

/// How long the server may keep answering from its memory of a database lookup.
const AUTH_CACHE_LIFE: Duration = Duration::from_secs(2);

/// The id of `user`'s token, from `tracebook token list --format json`.
fn token_id(root: &std::path::Path, user: &str) -> i64 {
    let out = tracebook(&[
        "token",
        "list",
        "--format",
        "json",
        "--root",
        root.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let tokens: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    tokens
        .as_array()
        .expect("a list")
        .iter()
        .find(|token| token["user_name"] == user)
        .and_then(|token| token["id"].as_i64())
        .unwrap_or_else(|| panic!("no token of {user} in {tokens}"))
}

/// `GET /api/me` with `token`: the status.
fn me_status(server: &Server, token: &str) -> u16 {
    reqwest::blocking::Client::new()
        .get(format!("{}/api/me", server.base))
        .bearer_auth(token)
        .send()
        .expect("GET /api/me")
        .status()
        .as_u16()
}

/// Uses `token` every 200 ms (so a cache refreshed on use would never let go of it) while `change`
/// runs on the command line; returns how long after `change` finished the server still said 200.
fn still_accepted_after(server: &Server, token: &str, change: impl FnOnce()) -> Duration {
    let warm_up = Instant::now();
    while warm_up.elapsed() < Duration::from_secs(3) {
        assert_eq!(me_status(server, token), 200, "the token works before");
        std::thread::sleep(Duration::from_millis(200));
    }
    change();
    let changed = Instant::now();
    while changed.elapsed() < Duration::from_secs(8) {
        match me_status(server, token) {
            200 => std::thread::sleep(Duration::from_millis(200)),
            401 => return changed.elapsed(),
            other => panic!("unexpected status {other}"),
        }
    }
    changed.elapsed()
}

#[test]
fn command_line_revocation_and_removal_stop_a_token_in_use_within_the_cache_life() {
    let project = copy_fixture("valid/minimal");
    let root = project.path();
    let revoked = user_with_token(root, "vera", "viewer");
    let removed = user_with_token(root, "walt", "editor");
    let server = Server::start(root, &root.join("public"));
    let root_arg = root.to_str().expect("utf-8").to_owned();

    let id = token_id(root, "vera").to_string();
    let late = still_accepted_after(&server, &revoked, || {
        let out = tracebook(&["token", "revoke", &id, "--root", &root_arg]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    });
    // One cache life, plus a margin for a request in flight on a busy machine.
    assert!(
        late <= AUTH_CACHE_LIFE + Duration::from_millis(700),
        "a revoked token kept working for {late:?}"
    );

    let late = still_accepted_after(&server, &removed, || {
        let out = tracebook(&["user", "remove", "walt", "--root", &root_arg]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    });
    assert!(
        late <= AUTH_CACHE_LIFE + Duration::from_millis(700),
        "a removed user's token kept working for {late:?}"
    );
    assert!(server.stop().success());
}
