//! `tracebook preview` (the binary) over real HTTP on a project written by each test: pages
//! follow edits, a broken file keeps the last good site and is reported (status, errors page,
//! terminal), foreign `Host` headers and writes are refused, the event stream announces
//! builds, and in headless Chromium an open page reloads itself and shows a failed build.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::browser::{Driver, browser_log, connect, wait_for_text};
use crate::gitrepo::write;

/// How long a change may take to show (a build of these projects takes milliseconds; the
/// margin is for a loaded machine).
const PATIENCE: Duration = Duration::from_secs(20);
const ITEM: &str = "content/requirement/SYS-001.md";
const ITEM_PAGE: &str = "/items/SYS-001/index.html";

/// A running `tracebook preview`, stopped (SIGTERM) when asked, killed when dropped.
struct Preview {
    child: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
    port: u16,
    /// Every stderr line so far.
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Preview {
    /// Starts `tracebook preview ROOT --port 0` and waits for its address line.
    #[track_caller]
    fn start(root: &Path) -> Preview {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tracebook"))
            .args(["preview", root.to_str().expect("utf-8"), "--port", "0"])
            .env_remove("TRACEBOOK_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting tracebook preview");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (first, received) = std::sync::mpsc::channel();
        let kept = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = first.send(line.clone());
                kept.lock().expect("lines").push(line);
            }
        });
        let deadline = Instant::now() + PATIENCE;
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = received
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no `preview at` line within {PATIENCE:?}"));
            if let Some(rest) = line.strip_prefix("preview at http://127.0.0.1:") {
                break rest
                    .trim_end_matches('/')
                    .parse::<u16>()
                    .unwrap_or_else(|_| panic!("no port in {line:?}"));
            }
        };
        Preview {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
            stderr: lines,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stderr so far, one string.
    fn stderr(&self) -> String {
        self.stderr.lock().expect("lines").join("\n")
    }

    /// Sends SIGTERM and returns the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        self.child.wait().expect("waiting for the preview")
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A project with one requirement whose body is `body`.
fn project(body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("project");
    write(
        &root,
        "tracebook.yaml",
        tracebook_test_support::project::REQUIREMENTS_ONLY,
    );
    write_item(&root, body);
    (dir, root)
}

fn write_item(root: &Path, body: &str) {
    write(
        root,
        ITEM,
        &format!("---\nid: SYS-001\nkind: requirement\ntitle: Occlusion alarm\n---\n{body}\n"),
    );
}

/// The same item with front matter that is not YAML (an unclosed list on line 3).
fn break_item(root: &Path) {
    write(
        root,
        ITEM,
        "---\nid: SYS-001\nkind: [requirement\ntitle: Occlusion alarm\n---\nBroken body.\n",
    );
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Polls `probe` until it gives a value, for at most [`PATIENCE`].
#[track_caller]
fn wait_for<T>(what: &str, probe: impl FnMut() -> Option<T>) -> T {
    tracebook_test_support::wait_for(what, PATIENCE, probe)
}

/// The body of a 200 answer to GET `url`, if it contains `text`.
fn page_with(client: &reqwest::blocking::Client, url: &str, text: &str) -> Option<String> {
    let response = client.get(url).send().ok()?;
    if response.status() != 200 {
        return None;
    }
    let body = response.text().ok()?;
    body.contains(text).then_some(body)
}

fn status(client: &reqwest::blocking::Client, preview: &Preview) -> Value {
    let response = client
        .get(preview.url("/_tracebook/status"))
        .send()
        .expect("status");
    assert_eq!(response.status(), 200);
    response.json().expect("status JSON")
}

#[test]
fn preview_follows_edits_and_keeps_the_last_good_site_while_broken() {
    let (_dir, root) = project("The pump shall alarm.");
    let preview = Preview::start(&root);
    let client = client();
    let page = preview.url(ITEM_PAGE);
    wait_for("the first build", || {
        page_with(&client, &page, "The pump shall alarm.")
    });
    wait_for("the terminal line of the first build", || {
        preview.stderr().contains("rebuilt in ").then_some(())
    });

    write_item(&root, "The pump shall alarm within 5 s.");
    wait_for("the edited text", || {
        page_with(&client, &page, "within 5 s")
    });

    break_item(&root);
    let failed = wait_for("the failed build", || {
        let status = status(&client, &preview);
        (status["ok"] == false).then_some(status)
    });
    let diagnostic = failed["diagnostics"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["severity"] == "error"))
        .unwrap_or_else(|| panic!("no error in {failed}"));
    assert_eq!(diagnostic["file"], ITEM, "{failed}");
    assert!(
        diagnostic["line"].as_u64().is_some_and(|line| line >= 3),
        "{failed}"
    );
    assert!(diagnostic["column"].as_u64().is_some(), "{failed}");
    assert!(
        diagnostic["code"]
            .as_str()
            .is_some_and(|c| c.starts_with('E'))
    );
    assert!(failed["build"].as_u64().is_some_and(|n| n >= 3), "{failed}");
    let stderr = wait_for("the terminal report", || {
        let text = preview.stderr();
        text.contains("kept the last good site").then_some(text)
    });
    assert!(stderr.contains(&format!("--> {ITEM}:")), "{stderr}");
    let kept = page_with(&client, &page, "within 5 s").expect("the last good page");
    assert!(!kept.contains("Broken body"), "{kept}");
    let errors = client
        .get(preview.url("/_tracebook/errors"))
        .send()
        .expect("errors page");
    assert_eq!(errors.status(), 200);
    let errors = errors.text().expect("errors page text");
    assert!(errors.contains(ITEM), "{errors}");
    assert!(!errors.contains("<script"), "{errors}");

    write_item(&root, "Fixed: the pump shall alarm within 3 s.");
    wait_for("the fixed text", || page_with(&client, &page, "within 3 s"));
    // The site is swapped in a moment before the build is recorded.
    wait_for("the good status", || {
        (status(&client, &preview)["ok"] == true).then_some(())
    });
    assert!(preview.stop().success());
}

#[test]
fn preview_refuses_foreign_hosts_and_every_write() {
    let (_dir, root) = project("The pump shall alarm.");
    let preview = Preview::start(&root);
    let client = client();
    let home = preview.url("/");
    wait_for("the first build", || page_with(&client, &home, "Pump"));

    let foreign = client
        .get(&home)
        .header("host", format!("evil.example:{}", preview.port))
        .send()
        .expect("request with a foreign host");
    assert!(
        matches!(foreign.status().as_u16(), 421 | 403),
        "{}",
        foreign.status()
    );
    let csp = foreign
        .headers()
        .get("content-security-policy")
        .expect("security headers on refusals too");
    assert!(csp.to_str().expect("ascii").contains("default-src 'self'"));
    for host in [
        format!("localhost:{}", preview.port),
        format!("127.0.0.1:{}", preview.port),
        format!("[::1]:{}", preview.port),
    ] {
        let local = client
            .get(&home)
            .header("host", &host)
            .send()
            .expect("request with a loopback host");
        assert_eq!(local.status(), 200, "{host}");
    }
    let other_port = client
        .get(&home)
        .header(
            "host",
            format!("127.0.0.1:{}", preview.port.wrapping_add(1)),
        )
        .send()
        .expect("request with another port");
    assert!(matches!(other_port.status().as_u16(), 421 | 403));

    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let write = client
            .request(method.clone(), preview.url(ITEM_PAGE))
            .body("x")
            .send()
            .expect("write request");
        assert_eq!(write.status(), 405, "{method}");
    }
    let page = client
        .get(preview.url(ITEM_PAGE))
        .send()
        .expect("item page");
    assert_eq!(page.status(), 200);
    let cache = page.headers().get("cache-control").expect("cache-control");
    assert_eq!(cache, "no-cache");
    let html = page.text().expect("page text");
    assert!(html.contains("assets/live-reload.js"), "{html}");
    assert!(preview.stop().success());
}

#[test]
fn preview_streams_a_build_event_after_an_edit() {
    let (_dir, root) = project("The pump shall alarm.");
    let preview = Preview::start(&root);
    let client = client();
    let page = preview.url(ITEM_PAGE);
    wait_for("the first build", || page_with(&client, &page, "alarm"));
    // The site is swapped in a moment before the build is recorded: wait for the record, so
    // that the event awaited below is the edit's.
    wait_for("the first build's record", || {
        (status(&client, &preview)["build"] == 1).then_some(())
    });

    let streaming = reqwest::blocking::Client::builder()
        .timeout(None)
        .build()
        .expect("client");
    let events = streaming
        .get(preview.url("/_tracebook/events"))
        .send()
        .expect("event stream");
    assert_eq!(events.status(), 200);
    let kind = events
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(events).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let next_line = |what: &str| {
        received
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("no {what} on the event stream within {PATIENCE:?}"))
    };
    // The stream opens with a retry delay: from then on this client gets every build.
    assert!(next_line("greeting").starts_with("retry:"));

    write_item(&root, "The pump shall alarm twice.");
    let deadline = Instant::now() + PATIENCE;
    let data = loop {
        assert!(Instant::now() < deadline, "no build event");
        if next_line("build event") == "event: build" {
            break next_line("event data");
        }
    };
    let build: Value = serde_json::from_str(
        data.strip_prefix("data: ")
            .unwrap_or_else(|| panic!("{data}")),
    )
    .expect("event JSON");
    assert_eq!(build["ok"], true, "{build}");
    assert!(build["rendered"].as_u64().is_some_and(|n| n > 0), "{build}");
    assert!(build["build"].as_u64().is_some_and(|n| n >= 2), "{build}");
    assert!(build["ms"].as_u64().is_some(), "{build}");
    // Stopping ends the open stream rather than waiting for it.
    assert!(preview.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_page_reloads_after_an_edit_and_shows_a_failed_build() {
    let (dir, root) = project("The pump shall alarm.");
    let preview = Preview::start(&root);
    let page = preview.url(ITEM_PAGE);
    let probe = page.clone();
    let status_url = preview.url("/_tracebook/status");
    tokio::task::spawn_blocking(move || {
        let client = client();
        wait_for("the first build", || page_with(&client, &probe, "alarm"));
        // Recorded too, so that its event cannot reach the page opened below.
        wait_for("the first build's record", || {
            let status: Value = client.get(&status_url).send().ok()?.json().ok()?;
            (status["build"] == 1).then_some(())
        });
    })
    .await
    .expect("first build");
    let driver = Driver::start();
    let browser = connect(&driver, &dir.path().join("profile")).await;
    let outcome = live_reload_in_browser(&browser, &page, &root).await;
    let log = browser_log(&browser).await;
    let _ = browser.close().await;
    outcome.unwrap_or_else(|message| panic!("{message}"));
    let problems: Vec<_> = log
        .iter()
        .filter(|entry| entry["level"] == "SEVERE")
        .collect();
    assert!(problems.is_empty(), "browser log: {problems:?}");
    assert!(preview.stop().success());
}

async fn live_reload_in_browser(browser: &Client, page: &str, root: &Path) -> Result<(), String> {
    browser
        .goto(page)
        .await
        .map_err(|e| format!("opening {page}: {e}"))?;
    wait_for_text(browser, "main", "The pump shall alarm.").await;
    // A mark on this document: a reload replaces the document, so it disappears.
    browser
        .execute(
            "document.documentElement.dataset.testMark = 'before';",
            vec![],
        )
        .await
        .map_err(|e| format!("marking the page: {e}"))?;
    // The page must be listening before the edit: wait for the stream's open.
    wait_until_connected(browser).await?;

    write_item(root, "The pump shall alarm within 2 s.");
    wait_for_text(browser, "main", "within 2 s").await;
    let url = browser.current_url().await.map_err(|e| e.to_string())?;
    if url.as_str() != page {
        return Err(format!("the page navigated to {url}"));
    }
    let mark = browser
        .execute(
            "return document.documentElement.dataset.testMark || null;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    if mark != Value::Null {
        return Err("the new text came without a reload".to_owned());
    }

    wait_until_connected(browser).await?;
    break_item(root);
    let overlay = wait_for_text(browser, ".tb-preview-overlay", ITEM).await;
    if !overlay.contains("error") || !overlay.contains("All problems") {
        return Err(format!("overlay: {overlay}"));
    }
    let link = browser
        .find(Locator::Css(".tb-preview-overlay a"))
        .await
        .map_err(|e| e.to_string())?
        .attr("href")
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    if !link.ends_with("/_tracebook/errors") {
        return Err(format!("overlay links to {link}"));
    }
    let text = browser
        .find(Locator::Css("main"))
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    if !text.contains("within 2 s") {
        return Err(format!("the last good page is gone: {text}"));
    }

    write_item(root, "The pump shall alarm within 1 s.");
    wait_for_text(browser, "main", "within 1 s").await;
    let overlays = browser
        .find_all(Locator::Css(".tb-preview-overlay"))
        .await
        .map_err(|e| e.to_string())?;
    if !overlays.is_empty() {
        return Err("the overlay stayed after a good build".to_owned());
    }
    Ok(())
}

/// Waits until the page's event source is open (`readyState` 1), asking through the
/// performance entries the script leaves: the request to `/_tracebook/events` has started
/// and the status check that follows the open has been made.
async fn wait_until_connected(browser: &Client) -> Result<(), String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let connected = browser
            .execute(
                "return performance.getEntriesByType('resource')
                    .some(function (e) { return e.name.indexOf('/_tracebook/status') >= 0; });",
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        if connected == Value::Bool(true) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the page never connected to the event stream".to_owned());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
