//! The static search in a real browser: content/ is built, served from a local static server
//! that sends a strict Content-Security-Policy, and Debian's headless Chromium, driven through
//! chromedriver, types queries, follows a result, and must log no CSP violation.
//!
//! Fails (never skips) when chromium or chromedriver is missing: `.ci/run` installs them.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::common::*;

/// The policy the site must run under: nothing but its own files.
const CSP: &str = "default-src 'self'; frame-ancestors 'none'";
/// Served by the test server only: an inline script, to prove a violation shows in the log.
const PROBE: &str = "/__csp_probe.html";

/// Serves `root` on 127.0.0.1 (a free port) from a thread, with the strict CSP on every answer.
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the static server");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || answer(stream, &root));
        }
    });
    port
}

fn answer(mut stream: TcpStream, root: &Path) {
    let mut line = String::new();
    let mut reader = BufReader::new(&stream);
    if reader.read_line(&mut line).is_err() {
        return;
    }
    // Headers are read and ignored; every answer closes the connection.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let (status, kind, body) = if path == PROBE {
        let html = "<!DOCTYPE html><title>probe</title><script>document.title = 'ran';</script>";
        ("200 OK", "text/html", html.as_bytes().to_vec())
    } else {
        match file_in(root, path).and_then(|f| std::fs::read(&f).ok().map(|b| (f, b))) {
            Some((file, bytes)) => ("200 OK", content_type(&file), bytes),
            None => ("404 Not Found", "text/plain", b"not found".to_vec()),
        }
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// The file for a URL path inside `root`, never outside it; folders give their index.html.
fn file_in(root: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = Path::new(url_path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = root.join(rel);
    if file.is_dir() {
        Some(file.join("index.html"))
    } else {
        Some(file)
    }
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// chromedriver on a free port, killed on drop.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    #[track_caller]
    pub(crate) fn start() -> Driver {
        // chromedriver has no --port=0: take a free port from the OS, then hand it over.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "chromedriver could not start ({err}): install Debian's chromium and \
                     chromium-driver (`apt-get install -y chromium chromium-driver`; .ci/run does)"
                )
            });
        let driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `POST /session/{id}/se/log {"type": "browser"}`: the console and network messages that
/// `goog:loggingPrefs` asked chromedriver to keep (CSP violations among them), since last read.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

pub(crate) async fn browser_log(client: &Client) -> Vec<Value> {
    match client
        .issue_cmd(BrowserLog)
        .await
        .expect("reading the browser log")
    {
        Value::Array(entries) => entries,
        other => panic!("unexpected log answer: {other}"),
    }
}

/// Waits until the text of `css` contains `needle`; returns that text.
pub(crate) async fn wait_for_text(client: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = client.find(Locator::Css(css)).await {
            last = el.text().await.unwrap_or_default();
            if last.contains(needle) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never contained {needle:?}; last text: {last:?}");
}

/// Text of the first result's id and title.
async fn first_hit(client: &Client) -> String {
    let el = client
        .find(Locator::Css("#search-results li.search-hit h2 a"))
        .await
        .expect("a first result");
    el.text().await.expect("its text")
}

pub(crate) async fn connect(driver: &Driver, profile: &Path) -> Client {
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let Value::Object(caps) = caps else {
        unreachable!("BUG: capabilities are an object")
    };
    let caps: Capabilities = caps;
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session through chromedriver")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_page_finds_and_opens_items_under_strict_csp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let own = build(&repo_root(), &dir.path().join("site"));
    let hostile = build(&fixture("valid/xss"), &dir.path().join("xss-site"));
    let driver = Driver::start();
    let client = connect(&driver, &dir.path().join("profile")).await;
    let mut result = drive(&client, &own).await;
    if result.is_ok() {
        result = hostile_text_stays_text(&client, &hostile).await;
    }
    if result.is_ok() {
        result = log_is_clean_and_catches_violations(&client, &own).await;
    }
    let _ = client.close().await;
    result.unwrap_or_else(|message| panic!("{message}"));
}

/// Builds `project` into `out` and serves it; returns the site's base URL.
#[track_caller]
fn build(project: &Path, out: &Path) -> String {
    build_into(project, out);
    format!("http://127.0.0.1:{}/", serve(out.to_path_buf()))
}

/// Types, follows, uses the header box, an exact id and a prefix on our own specification. An
/// `Err` carries the failure, so that the session is closed before the test panics.
async fn drive(client: &Client, base: &str) -> Result<(), String> {
    // Words from REQ-062's title, typed into the box: REQ-062 first, then open it.
    client
        .goto(&format!("{base}search/index.html"))
        .await
        .map_err(|e| e.to_string())?;
    let input = client
        .find(Locator::Css("#search-q"))
        .await
        .map_err(|e| e.to_string())?;
    input
        .send_keys("bounded download")
        .await
        .map_err(|e| e.to_string())?;
    wait_for_text(client, "#search-summary", "for “bounded download”").await;
    let first = first_hit(client).await;
    if !first.contains("REQ-062") || !first.contains("Bounded index download") {
        return Err(format!("first hit for 'bounded download' was {first:?}"));
    }
    let marks = client
        .find_all(Locator::Css("#search-results mark"))
        .await
        .map_err(|e| e.to_string())?;
    if marks.is_empty() {
        return Err("no highlighted words in the results".to_owned());
    }
    client
        .find(Locator::Css("#search-results li.search-hit h2 a"))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    let h1 = wait_for_text(client, "main h1", "Bounded index download").await;
    let url = client.current_url().await.map_err(|e| e.to_string())?;
    if !url.path().ends_with("/items/REQ-062/index.html") {
        return Err(format!("followed the result to {url} ({h1})"));
    }

    // The header's jump box: no id or title matches, so Enter opens the search page with `q`.
    let jump = client
        .find(Locator::Css("#jump"))
        .await
        .map_err(|e| e.to_string())?;
    jump.send_keys("zzqx\u{E007}")
        .await
        .map_err(|e| e.to_string())?;
    wait_for_text(client, "#search-summary", "No results for “zzqx”").await;

    // An exact id in `q` ranks that item first, and a prefix query finds words by their start.
    client
        .goto(&format!("{base}search/index.html?q=req-063"))
        .await
        .map_err(|e| e.to_string())?;
    wait_for_text(client, "#search-summary", "for “req-063”").await;
    let first = first_hit(client).await;
    if !first.starts_with("REQ-063") {
        return Err(format!("first hit for the id req-063 was {first:?}"));
    }
    client
        .goto(&format!("{base}search/index.html?q=fingerpr*"))
        .await
        .map_err(|e| e.to_string())?;
    let summary = wait_for_text(client, "#search-summary", "for “fingerpr*”").await;
    if summary.starts_with("No results") {
        return Err(format!("prefix query found nothing: {summary}"));
    }
    Ok(())
}

/// Markup in indexed titles and text shows as text in the results, never as elements (REQ-065).
async fn hostile_text_stays_text(client: &Client, base: &str) -> Result<(), String> {
    client
        .goto(&format!("{base}search/index.html?q=script"))
        .await
        .map_err(|e| e.to_string())?;
    wait_for_text(client, "#search-summary", "for “script”").await;
    let titles = client
        .find_all(Locator::Css("#search-results .hit-title"))
        .await
        .map_err(|e| e.to_string())?;
    let mut shown = Vec::new();
    for title in titles {
        shown.push(title.text().await.map_err(|e| e.to_string())?);
    }
    if !shown
        .iter()
        .any(|t| t == "Titles show <script>alert(1)</script> as text")
    {
        return Err(format!(
            "the hostile title was not shown as text: {shown:?}"
        ));
    }
    let elements = client
        .find_all(Locator::Css(
            "#search-results script, #search-results img, #search-results svg, #search-results iframe",
        ))
        .await
        .map_err(|e| e.to_string())?;
    if !elements.is_empty() {
        return Err(format!(
            "{} elements were made from indexed text",
            elements.len()
        ));
    }
    Ok(())
}

/// The log of everything so far: no CSP violation, no failed load, no script error; then a
/// page with an inline script, to show that a violation does reach this log.
async fn log_is_clean_and_catches_violations(client: &Client, base: &str) -> Result<(), String> {
    let problems: Vec<Value> = browser_log(client)
        .await
        .into_iter()
        .filter(|e| e["level"] == "SEVERE" || is_csp(e))
        .collect();
    if !problems.is_empty() {
        return Err(format!("the browser logged problems: {problems:#?}"));
    }
    // The check can fail: a page with an inline script puts a violation in the same log.
    client
        .goto(&format!("{}{}", base.trim_end_matches('/'), PROBE))
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    if !browser_log(client).await.iter().any(is_csp) {
        return Err("the CSP probe's violation did not show in the browser log".to_owned());
    }
    Ok(())
}

fn is_csp(entry: &Value) -> bool {
    entry["message"]
        .as_str()
        .is_some_and(|m| m.contains("Content Security Policy"))
}

/// The readiness page's evidence chart (static SVG coloured by the stylesheet) shows under
/// the strict CSP, and so does an item page with a failure message made of markup, which
/// stays text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_chart_and_evidence_show_under_strict_csp() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A copy: a build writes `.tracebook/` into the project.
    let project = dir.path().join("project");
    copy_dir(&fixture("evidence"), &project);
    let base = build(&project, &dir.path().join("site"));
    let driver = Driver::start();
    let client = connect(&driver, &dir.path().join("profile")).await;
    let result = visit_readiness(&client, &base).await;
    let _ = client.close().await;
    result.unwrap_or_else(|message| panic!("{message}"));
}

async fn visit_readiness(client: &Client, base: &str) -> Result<(), String> {
    client
        .goto(&format!("{base}readiness/index.html"))
        .await
        .map_err(|e| e.to_string())?;
    wait_for_text(client, ".readiness-banner", "Not ready: 2 of 4 rules fail").await;
    let chart = client
        .find(Locator::Css("figure.evidence-chart svg"))
        .await
        .map_err(|e| e.to_string())?;
    if !chart.is_displayed().await.map_err(|e| e.to_string())? {
        return Err("the evidence chart is not displayed".to_owned());
    }
    let (_, _, width, height) = chart.rectangle().await.map_err(|e| e.to_string())?;
    if width < 100.0 || height < 40.0 {
        return Err(format!("the evidence chart is {width}×{height}"));
    }
    // The stylesheet (not an inline style) colours a failed segment like the failed badge.
    let fill = client
        .execute(
            "return getComputedStyle(document.querySelector('.evidence-chart rect.verdict-failed')).fill",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    if fill.as_str().is_none_or(|f| !f.starts_with("rgb(")) {
        return Err(format!(
            "failed segments have no colour from the stylesheet: {fill}"
        ));
    }

    client
        .goto(&format!("{base}items/VER-002/index.html"))
        .await
        .map_err(|e| e.to_string())?;
    let message = wait_for_text(client, ".evidence .case-message", "alarm not raised").await;
    if !message.contains("<script>alert(\"xss\")</script>") {
        return Err(format!(
            "the failure message is not shown as text: {message:?}"
        ));
    }
    let scripts = client
        .find_all(Locator::Css("main script"))
        .await
        .map_err(|e| e.to_string())?;
    if !scripts.is_empty() {
        return Err("a script element was made from a failure message".to_owned());
    }

    let problems: Vec<Value> = browser_log(client)
        .await
        .into_iter()
        .filter(|e| e["level"] == "SEVERE" || is_csp(e))
        .collect();
    if !problems.is_empty() {
        return Err(format!("the browser logged problems: {problems:#?}"));
    }
    Ok(())
}
