//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the tracebook package's folder).
pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<rel>`.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(rel)
}

/// Runs the built `tracebook` binary with `args`.
#[track_caller]
pub(crate) fn tracebook(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracebook"))
        .args(args)
        .env_remove("TRACEBOOK_LOG")
        .output()
        .expect("running tracebook")
}

/// Standard output as text.
pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The process exit code.
#[track_caller]
pub(crate) fn code(out: &Output) -> i32 {
    out.status.code().expect("tracebook exited by a signal")
}

/// A temporary copy of a fixture project (so tests may edit or build inside it).
#[track_caller]
pub(crate) fn copy_fixture(rel: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture(rel), dir.path());
    dir
}

/// Copies a folder tree.
#[track_caller]
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walking fixture");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file under `dir` with its bytes, sorted by path: a fingerprint of a folder.
pub(crate) fn tree_snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("prefix").to_path_buf();
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect();
    files.sort();
    files
}

/// Parses `check --format json` output.
pub(crate) fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Runs `tracebook build PROJECT --out OUT` and asserts it succeeded.
#[track_caller]
pub(crate) fn build_into(project: &Path, out: &Path) {
    let built = tracebook(&[
        "build",
        project.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&built), 0, "{}", stderr(&built));
}

/// Adds `name` with `role` and makes them an API token; returns the token.
pub(crate) fn user_with_token(root: &Path, name: &str, role: &str) -> String {
    let root = root.to_str().expect("utf-8");
    let mut add = Command::new(env!("CARGO_BIN_EXE_tracebook"))
        .args([
            "user",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            "--root",
            root,
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("tracebook user add");
    std::io::Write::write_all(
        &mut add.stdin.take().expect("stdin"),
        b"a long enough password\n",
    )
    .expect("password");
    assert!(add.wait().expect("user add").success());
    let out = tracebook(&[
        "token", "create", "--user", name, "--name", "probe", "--root", root,
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stdout(&out).trim().to_owned()
}
