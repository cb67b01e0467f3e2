//! `ROOT/.tracebook/` holds password hashes, TOTP secrets and the cookie key: the accounts
//! database and everything beside it are private to the owner, when created and, for files an
//! older version left open, from the next start of the server on.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::*;
use crate::serve::Server;

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every folder and file under `dir` (itself included) with a mode other than 0700 / 0600.
fn too_open(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| {
            let wanted = if entry.file_type().is_dir() {
                0o700
            } else {
                0o600
            };
            mode(entry.path()) != wanted
        })
        .map(|entry| format!("{} {:o}", entry.path().display(), mode(entry.path())))
        .collect()
}

#[test]
fn the_accounts_database_is_created_private() {
    let project = copy_fixture("valid/minimal");
    let state = project.path().join(".tracebook");
    user_with_token(project.path(), "vera", "viewer");
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&state.join("tracebook.db")), 0o600);
    assert_eq!(too_open(&state), Vec::<String>::new());
}

#[test]
fn serve_makes_an_existing_state_folder_private_at_start_up() {
    let project = copy_fixture("valid/minimal");
    let root = project.path();
    let state = root.join(".tracebook");
    let token = user_with_token(root, "vera", "viewer");
    // As an older version left them: the umask's modes.
    std::fs::create_dir_all(state.join("search")).expect("mkdir");
    std::fs::write(state.join("search/meta.json"), "{}").expect("write");
    for (path, mode) in [
        (state.clone(), 0o755),
        (state.join("search"), 0o755),
        (state.join("search/meta.json"), 0o644),
        (state.join("tracebook.db"), 0o644),
    ] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let server = Server::start(root, &root.join("public"));
    let me = reqwest::blocking::Client::new()
        .get(format!("{}/api/me", server.base))
        .bearer_auth(&token)
        .send()
        .expect("GET /api/me");
    assert_eq!(me.status().as_u16(), 200);
    assert_eq!(too_open(&state), Vec::<String>::new());
    assert!(server.stop().success());
}
