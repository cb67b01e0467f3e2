//! `tracebook serve` (the binary) over real HTTP: the setup link of a new install, sign-in
//! required, a token made with `tracebook token create`, security headers on every kind of
//! response, graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::*;

/// A running `tracebook serve`, stopped (SIGTERM) when dropped.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub(crate) base: String,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Server {
    /// Starts `tracebook serve ROOT --out OUT --port 0` and waits for its address line.
    #[track_caller]
    pub(crate) fn start(root: &std::path::Path, out: &std::path::Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tracebook"))
            .args([
                "serve",
                root.to_str().expect("utf-8"),
                "--out",
                out.to_str().expect("utf-8"),
                "--port",
                "0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting tracebook serve");
        let stderr = child.stderr.take().expect("stderr");
        let (lines, received) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the address line");
        let base = line
            .trim()
            .rsplit(' ')
            .next()
            .and_then(|url| url.strip_suffix('/'))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        Server {
            child,
            base,
            stderr: received,
        }
    }

    /// The first line on stderr containing `text`, waiting up to 10 s.
    pub(crate) fn stderr_line(&self, text: &str) -> Option<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(text) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Sends SIGTERM and returns the exit status.
    pub(crate) fn stop(mut self) -> std::process::ExitStatus {
        terminate(&self.child);
        self.child.wait().expect("waiting for the server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// A client that sends `token` on every request.
fn bearer_client(token: &str) -> reqwest::blocking::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    reqwest::blocking::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[test]
fn a_new_install_prints_a_setup_link_and_requires_sign_in() {
    let project = copy_fixture("valid/minimal");
    let out = project.path().join("public");
    let server = Server::start(project.path(), &out);
    let line = server
        .stderr_line("/setup?token=")
        .expect("a server without users prints a setup link");
    let link = line
        .split_whitespace()
        .find(|word| word.contains("/setup?token="))
        .expect("link");
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    assert_eq!(
        client.get(link).send().expect("setup").status().as_u16(),
        200
    );
    let home = client
        .get(format!("{}/", server.base))
        .send()
        .expect("home");
    assert_eq!(home.status().as_u16(), 303, "sign-in required");
    assert!(server.stop().success());
}

#[test]
fn serve_answers_with_security_headers_everywhere() {
    let project = copy_fixture("valid/minimal");
    let out = project.path().join("public");
    let token = user_with_token(project.path(), "vera", "viewer");
    let server = Server::start(project.path(), &out);
    let client = bearer_client(&token);
    for (path, status) in [
        ("/", 200),
        ("/items/SYS-001/index.html", 200),
        ("/assets/style.css", 200),
        ("/no/such/page", 404),
        ("/healthz", 200),
    ] {
        let response = client
            .get(format!("{}{path}", server.base))
            .send()
            .expect("request");
        assert_eq!(response.status().as_u16(), status, "{path}");
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("no CSP on {path}"));
        assert!(
            csp.to_str().expect("ascii").contains("default-src 'self'"),
            "{path}"
        );
        assert!(
            csp.to_str()
                .expect("ascii")
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert!(headers.get("referrer-policy").is_some(), "{path}");
        assert!(headers.get("permissions-policy").is_some(), "{path}");
        assert!(headers.get("x-request-id").is_some(), "{path}");
    }
    let home = client
        .get(format!("{}/", server.base))
        .send()
        .expect("request")
        .text()
        .expect("text");
    assert!(home.contains("Dashboard"), "{home}");
    assert!(
        server.stop().success(),
        "SIGTERM must stop the server cleanly"
    );
}

#[test]
fn api_search_returns_ranked_hits_and_facets() {
    let project = copy_fixture("valid/minimal");
    let out = project.path().join("public");
    let token = user_with_token(project.path(), "vera", "viewer");
    let server = Server::start(project.path(), &out);
    let client = bearer_client(&token);
    let url = format!("{}/api/search?q=SYS-001", server.base);
    let response = client.get(&url).send().expect("request");
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers().get("content-security-policy").is_some());
    let results: serde_json::Value = response.json().expect("JSON");
    assert_eq!(results["hits"][0]["id"], "SYS-001", "{results}");
    let total = results["total"].as_u64().expect("total");
    let by_kind: u64 = results["facets"]["kind"]
        .as_object()
        .expect("kind facets")
        .values()
        .filter_map(|v| v.as_u64())
        .sum();
    assert_eq!(by_kind, total, "{results}");
    let filtered: serde_json::Value = client
        .get(format!(
            "{}/api/search?q=&kind=verification&limit=5",
            server.base
        ))
        .send()
        .expect("request")
        .json()
        .expect("JSON");
    let hits = filtered["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    assert!(
        hits.iter().all(|h| h["kind"] == "verification"),
        "{filtered}"
    );
    assert!(server.stop().success());
}
