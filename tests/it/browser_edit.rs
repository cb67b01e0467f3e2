//! Signing in and editing an item through the form, in a real browser (Debian's headless
//! Chromium through chromedriver) against `tracebook serve` on a git project: the change is
//! committed as the user and the rebuilt page shows it, with no CSP violation on the way.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use git2::Repository;

use crate::browser::{Driver, browser_log, connect, wait_for_text};
use crate::gitrepo::{commit_all, write};
use crate::serve::Server;

const PASSWORD: &str = "a browser test password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_signs_in_and_edits_an_item_through_the_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("project");
    write(
        &root,
        "tracebook.yaml",
        tracebook_test_support::project::REQUIREMENTS_ONLY,
    );
    write(&root, ".gitignore", ".tracebook/\npublic/\n");
    write(
        &root,
        "content/requirement/SYS-001.md",
        "---\nid: SYS-001\nkind: requirement\ntitle: Occlusion alarm\n---\nThe pump shall alarm.\n",
    );
    let repo = Repository::init(&root).expect("init");
    commit_all(&repo, "initial");
    add_editor(&root);
    let server = Server::start(&root, &root.join("public"));
    let driver = Driver::start();
    let client = connect(&driver, &dir.path().join("profile")).await;
    let outcome = edit_in_browser(&client, &server.base).await;
    let log = browser_log(&client).await;
    let _ = client.close().await;
    outcome.unwrap_or_else(|message| panic!("{message}"));
    let problems: Vec<_> = log
        .iter()
        .filter(|entry| entry["level"] == "SEVERE")
        .collect();
    assert!(problems.is_empty(), "browser log: {problems:?}");

    let head = repo.head().expect("head").peel_to_commit().expect("commit");
    assert_eq!(head.author().name(), Some("eddie"));
    assert!(head.message().unwrap_or_default().contains("SYS-001"));
    let text = std::fs::read_to_string(root.join("content/requirement/SYS-001.md")).expect("read");
    assert!(
        text.contains("title: Occlusion alarm within 30 s"),
        "{text}"
    );
    assert!(server.stop().success());
}

fn add_editor(root: &std::path::Path) {
    let mut add = Command::new(env!("CARGO_BIN_EXE_tracebook"))
        .args([
            "user",
            "add",
            "eddie",
            "--role",
            "editor",
            "--password-stdin",
            "--root",
        ])
        .arg(root)
        .stdin(Stdio::piped())
        .spawn()
        .expect("tracebook user add");
    std::io::Write::write_all(
        &mut add.stdin.take().expect("stdin"),
        format!("{PASSWORD}\n").as_bytes(),
    )
    .expect("password");
    assert!(add.wait().expect("user add").success());
}

async fn edit_in_browser(client: &Client, base: &str) -> Result<(), String> {
    let fail = |what: &str| {
        let what = what.to_owned();
        move |err: fantoccini::error::CmdError| format!("{what}: {err}")
    };
    // An item page sends an anonymous browser to sign in, and back after.
    client
        .goto(&format!("{base}/items/SYS-001/index.html"))
        .await
        .map_err(fail("opening the item page"))?;
    let url = client.current_url().await.map_err(fail("url"))?;
    if !url.path().starts_with("/login") {
        return Err(format!("expected the sign-in page, got {url}"));
    }
    type_into(client, "input[name=name]", "eddie").await?;
    type_into(client, "input[name=password]", PASSWORD).await?;
    click(client, "form button[type=submit]").await?;
    wait_for_text(client, "h1", "Occlusion alarm").await;

    click(client, "a.edit-link").await?;
    wait_for_text(client, "h1", "SYS-001").await;
    let title = client
        .find(Locator::Css("input[name=title]"))
        .await
        .map_err(fail("the title field"))?;
    title.clear().await.map_err(fail("clearing the title"))?;
    title
        .send_keys("Occlusion alarm within 30 s")
        .await
        .map_err(fail("typing the title"))?;
    click(client, "form[action$=\"/edit\"] button[type=submit]").await?;
    // The form waits for the rebuild, then returns to the item page.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let url = client.current_url().await.map_err(fail("url"))?;
        if url.path() == "/items/SYS-001/index.html" {
            break;
        }
        if Instant::now() > deadline {
            let source = client.source().await.unwrap_or_default();
            return Err(format!(
                "never returned to the item page; at {url}: {source}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_for_text(client, "h1", "Occlusion alarm within 30 s").await;
    // The footer asks the server how the builds went (a script under the strict CSP).
    wait_for_text(client, "#build-status", "Last build published").await;
    Ok(())
}

async fn type_into(client: &Client, css: &str, text: &str) -> Result<(), String> {
    let field = client
        .find(Locator::Css(css))
        .await
        .map_err(|err| format!("{css}: {err}"))?;
    field
        .send_keys(text)
        .await
        .map_err(|err| format!("typing into {css}: {err}"))
}

async fn click(client: &Client, css: &str) -> Result<(), String> {
    let element = client
        .find(Locator::Css(css))
        .await
        .map_err(|err| format!("{css}: {err}"))?;
    element
        .click()
        .await
        .map_err(|err| format!("clicking {css}: {err}"))
}
