//! `tracebook serve` keeps site files in memory: what it answers must always be the site as
//! last published, whoever published it and however often, and it never follows a symlink that
//! was placed in the site folder.

use crate::common::*;
use crate::serve::Server;

/// `GET path` with `token`: status and body.
fn get(server: &Server, token: &str, path: &str) -> (u16, String) {
    let response = reqwest::blocking::Client::new()
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .expect("GET");
    let status = response.status().as_u16();
    (status, response.text().expect("body"))
}

fn retitle(root: &std::path::Path, title: &str) {
    let file = root.join("content/needs/STK-001.md");
    let text = std::fs::read_to_string(&file).expect("read");
    let old = text
        .lines()
        .find(|line| line.starts_with("title: "))
        .expect("a title line")
        .to_owned();
    std::fs::write(&file, text.replace(&old, &format!("title: {title}"))).expect("write");
}

#[test]
fn two_publishes_without_a_request_between_never_serve_the_older_pages() {
    let project = copy_fixture("valid/minimal");
    let root = project.path();
    let out = root.join("public");
    let token = user_with_token(root, "vera", "viewer");
    let server = Server::start(root, &out);
    let page = "/items/STK-001/index.html";
    let (status, first) = get(&server, &token, page);
    assert_eq!(status, 200);
    assert!(first.contains("Occlusion alarm"), "{first}");
    // Publishing swaps the live folder with the spare one: after two builds the live folder
    // is the very folder (same inode) the server read the first page from.
    retitle(root, "Second title");
    build_into(root, &out);
    retitle(root, "Third title");
    build_into(root, &out);
    let (status, now) = get(&server, &token, page);
    assert_eq!(status, 200);
    assert!(
        now.contains("Third title"),
        "a stale page was served: {now}"
    );
    assert!(server.stop().success());
}

#[test]
fn symlinks_inside_the_site_folder_are_not_followed() {
    let project = copy_fixture("valid/minimal");
    let root = project.path();
    let out = root.join("public");
    let token = user_with_token(root, "vera", "viewer");
    let server = Server::start(root, &out);
    let secret = root.join("outside-secret.txt");
    std::fs::write(&secret, "TOP SECRET").expect("write");
    let secret_dir = root.join("outside-folder");
    std::fs::create_dir(&secret_dir).expect("mkdir");
    std::fs::write(secret_dir.join("index.html"), "TOP SECRET").expect("write");
    std::os::unix::fs::symlink(&secret, out.join("leak.txt")).expect("symlink");
    std::os::unix::fs::symlink(&secret_dir, out.join("leaks")).expect("symlink");
    // Every way into the file server: the in-memory cache, and the paths it hands on
    // (percent-escapes, a folder without its slash, a folder's index).
    for path in [
        "/leak.txt",
        "/le%61k.txt",
        "/leaks/index.html",
        "/leaks/",
        "/leaks",
        "/l%65aks/index.html",
    ] {
        let (status, body) = get(&server, &token, path);
        assert!(
            !body.contains("TOP SECRET"),
            "{path} answered {status}: {body}"
        );
        assert!(status == 404 || status == 403, "{path} answered {status}");
    }
    assert!(server.stop().success());
}
