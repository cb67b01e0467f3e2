//! `tracebook user` and `tracebook token` end to end through the binary, each test once on
//! SQLite (the default file under ROOT/.tracebook) and once on a fresh PostgreSQL database
//! created on TRACEBOOK_TEST_POSTGRES and dropped afterwards. PostgreSQL must be running:
//! these tests fail, not skip, without it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use sqlx::Connection;
use tracebook_store::accounts::{AccountStore, database_url};

use crate::common::{code, stderr, stdout, tracebook};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PASSWORD: &str = "correct horse battery";

/// One test's database: a temporary project folder, plus a PostgreSQL database when asked.
struct Db {
    dir: tempfile::TempDir,
    /// `(admin url, database name, database url)` for PostgreSQL.
    postgres: Option<(String, String, String)>,
}

impl Db {
    fn sqlite() -> Db {
        Db {
            dir: tempfile::tempdir().expect("tempdir"),
            postgres: None,
        }
    }

    fn postgres() -> Db {
        let admin = std::env::var("TRACEBOOK_TEST_POSTGRES")
            .unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
        let name = format!("tracebook_it_{}", random_suffix());
        block_on(async {
            let mut admin_db = admin_connection(&admin).await;
            sqlx::query(&format!("create database {name}"))
                .execute(&mut admin_db)
                .await
                .expect("creating the test database");
        });
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        Db {
            dir: tempfile::tempdir().expect("tempdir"),
            postgres: Some((admin, name, url)),
        }
    }

    /// The URL the store uses (the SQLite default when no PostgreSQL database was made).
    fn url(&self) -> String {
        match &self.postgres {
            Some((_, _, url)) => url.clone(),
            None => database_url(self.dir.path(), None),
        }
    }

    /// `args` plus `--root DIR` and, for PostgreSQL, `--database-url URL`.
    fn args(&self, args: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|&arg| arg.to_owned()).collect();
        all.push("--root".to_owned());
        all.push(self.dir.path().display().to_string());
        if let Some((_, _, url)) = &self.postgres {
            all.push("--database-url".to_owned());
            all.push(url.clone());
        }
        all
    }

    #[track_caller]
    fn run(&self, args: &[&str]) -> Output {
        let args = self.args(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tracebook(&args)
    }

    /// Runs with `input` on standard input (not a terminal, so no prompt).
    #[track_caller]
    fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tracebook"))
            .args(self.args(args))
            .env_remove("TRACEBOOK_LOG")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running tracebook");
        let written = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes());
        // A command refused at argument parsing may exit before it reads stdin: its exit code
        // and message are what the test checks, not our write.
        if let Err(err) = written
            && err.kind() != std::io::ErrorKind::BrokenPipe
        {
            panic!("writing stdin: {err}");
        }
        child.wait_with_output().expect("waiting for tracebook")
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        stdout(&out)
    }

    #[track_caller]
    fn add_user(&self, name: &str, role: &str) {
        let out = self.run_with_stdin(
            &["user", "add", name, "--role", role, "--password-stdin"],
            &format!("{PASSWORD}\n"),
        );
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }

    /// Opens the store the binary used, for checks the CLI does not show.
    fn store(&self) -> AccountStore {
        let url = self.url();
        block_on(async move { AccountStore::open(&url).await.expect("opening the store") })
    }

    /// The first column of every row of `sql`, as text.
    fn column(&self, sql: &str) -> Vec<String> {
        let url = self.url();
        block_on(async move {
            sqlx::any::install_default_drivers();
            let mut db = sqlx::AnyConnection::connect(&url)
                .await
                .expect("connecting");
            sqlx::query_scalar(sql)
                .fetch_all(&mut db)
                .await
                .expect("querying")
        })
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((admin, name, _)) = &self.postgres {
            block_on(async {
                let mut admin_db = admin_connection(admin).await;
                sqlx::query(&format!("drop database if exists {name} with (force)"))
                    .execute(&mut admin_db)
                    .await
                    .expect("dropping the test database");
            });
        }
    }
}

fn block_on<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio")
        .block_on(work)
}

async fn admin_connection(admin: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    match sqlx::AnyConnection::connect(admin).await {
        Ok(connection) => connection,
        Err(err) => panic!(
            "PostgreSQL is not reachable at {admin} ({err}). These tests need a real server: \
             start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main \
             start`, or point TRACEBOOK_TEST_POSTGRES at one (trust auth, may create databases)"
        ),
    }
}

fn random_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos();
    format!("{}_{nanos:x}", std::process::id())
}

/// Runs each check once on SQLite and once on PostgreSQL.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&super::Db::sqlite());
            }

            #[test]
            fn postgres() {
                super::$name(&super::Db::postgres());
            }
        }
    )*};
}

on_both_databases!(
    adds_lists_changes_and_removes_users,
    rejects_duplicate_names_and_short_passwords,
    rejects_wrong_passwords,
    tokens_work_until_revoked,
    stores_no_secret_in_clear,
    migrations_apply_twice,
);

fn adds_lists_changes_and_removes_users(db: &Db) {
    db.add_user("alice", "admin");
    db.add_user("bob", "viewer");
    let table = db.ok(&["user", "list"]);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("alice") && table.contains("admin"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&db.ok(&["user", "list", "--format", "json"]))
            .expect("JSON user list");
    let names: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|user| user["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(json[1]["role"], "viewer");
    assert!(json[0].get("password_hash").is_none());

    let out = db.run_with_stdin(&["user", "passwd", "bob"], "another long passphrase\n");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let store = db.store();
    block_on(async {
        assert!(
            store
                .verify_password("bob", PASSWORD)
                .await
                .unwrap()
                .is_none()
        );
        let bob = store
            .verify_password("bob", "another long passphrase")
            .await
            .unwrap();
        assert_eq!(bob.map(|user| user.name).as_deref(), Some("bob"));
        let events: Vec<String> = store
            .recent_audit(10)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.event)
            .collect();
        assert_eq!(events, ["user.passwd", "user.add", "user.add"]);
        store.close().await;
    });

    db.ok(&["user", "remove", "bob"]);
    let json = db.ok(&["user", "list", "--format", "json"]);
    assert!(!json.contains("bob"), "{json}");
    let again = db.run(&["user", "remove", "bob"]);
    assert_eq!(code(&again), 2);
    assert!(
        stderr(&again).contains("no user named \"bob\""),
        "{}",
        stderr(&again)
    );
}

fn rejects_duplicate_names_and_short_passwords(db: &Db) {
    db.add_user("alice", "editor");
    let duplicate = db.run_with_stdin(
        &[
            "user",
            "add",
            "alice",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(code(&duplicate), 2);
    assert!(
        stderr(&duplicate).contains("a user named \"alice\" exists already"),
        "{}",
        stderr(&duplicate)
    );
    let short = db.run_with_stdin(
        &[
            "user",
            "add",
            "carol",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(code(&short), 2);
    assert!(
        stderr(&short).contains("too short: use at least 12 characters"),
        "{}",
        stderr(&short)
    );
    let passwd = db.run_with_stdin(&["user", "passwd", "nobody"], &format!("{PASSWORD}\n"));
    assert_eq!(code(&passwd), 2);
    assert!(
        stderr(&passwd).contains("no user named \"nobody\""),
        "{}",
        stderr(&passwd)
    );
    let bad_role = db.run_with_stdin(&["user", "add", "dave", "--role", "root"], PASSWORD);
    assert_eq!(code(&bad_role), 2);
    let json = db.ok(&["user", "list", "--format", "json"]);
    assert!(!json.contains("carol") && !json.contains("dave"), "{json}");
}

fn rejects_wrong_passwords(db: &Db) {
    db.add_user("alice", "viewer");
    let store = db.store();
    block_on(async {
        assert!(
            store
                .verify_password("alice", "not the password")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .verify_password("mallory", PASSWORD)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .verify_password("alice", PASSWORD)
                .await
                .unwrap()
                .is_some()
        );
        store.close().await;
    });
}

fn tokens_work_until_revoked(db: &Db) {
    db.add_user("alice", "editor");
    let out = db.run(&["token", "create", "--user", "alice", "--name", "ci"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot be shown again"),
        "{}",
        stderr(&out)
    );
    let secret = stdout(&out).trim().to_owned();
    assert!(secret.starts_with("tb_") && secret.len() == 67, "{secret}");

    let unknown = db.run(&["token", "create", "--user", "nobody", "--name", "x"]);
    assert_eq!(code(&unknown), 2);

    let list = db.ok(&["token", "list"]);
    assert!(
        list.contains("alice") && list.contains("ci") && list.contains("active"),
        "{list}"
    );
    assert!(
        !list.contains(&secret[3..]),
        "the list shows the secret: {list}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&db.ok(&["token", "list", "--format", "json"])).expect("JSON");
    let id = json[0]["id"].as_i64().expect("token id");

    let store = db.store();
    block_on(async {
        let user = store.user_for_token(&secret).await.unwrap();
        assert_eq!(user.map(|user| user.name).as_deref(), Some("alice"));
        store.close().await;
    });

    db.ok(&["token", "revoke", &id.to_string()]);
    let list = db.ok(&["token", "list"]);
    assert!(list.contains("revoked"), "{list}");
    let store = db.store();
    block_on(async {
        assert!(store.user_for_token(&secret).await.unwrap().is_none());
        store.close().await;
    });
    let missing = db.run(&["token", "revoke", "9999"]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("no API token with id 9999"),
        "{}",
        stderr(&missing)
    );
}

fn stores_no_secret_in_clear(db: &Db) {
    db.add_user("alice", "admin");
    let out = db.run(&["token", "create", "--user", "alice", "--name", "ci"]);
    let secret = stdout(&out).trim().to_owned();
    let hashes = db.column("select password_hash from users");
    assert_eq!(hashes.len(), 1);
    assert!(hashes[0].starts_with("$argon2id$"), "{hashes:?}");
    assert!(!hashes[0].contains(PASSWORD));
    let tokens = db.column("select token_hash from api_tokens");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].len(), 64);
    assert!(!tokens[0].contains(&secret[3..]));
    if db.postgres.is_none() {
        // The whole SQLite file (and any write-ahead log) holds neither secret.
        let folder = db.dir.path().join(".tracebook");
        for entry in std::fs::read_dir(&folder).expect("reading .tracebook") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("reading");
            assert!(!contains(&bytes, PASSWORD.as_bytes()));
            assert!(!contains(&bytes, secret.as_bytes()));
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn migrations_apply_twice(db: &Db) {
    db.ok(&["user", "list"]);
    db.add_user("alice", "viewer");
    db.ok(&["user", "list"]);
    let applied = db.column("select description from _sqlx_migrations");
    assert_eq!(
        applied,
        ["accounts", "mfa", "mirror", "evidence"],
        "each migration applied once"
    );
    assert!(db.ok(&["user", "list"]).contains("alice"));
}

#[test]
fn creates_the_default_database_under_the_project() {
    let db = Db::sqlite();
    db.ok(&["user", "list"]);
    assert!(Path::new(&db.dir.path().join(".tracebook/tracebook.db")).is_file());
}

#[test]
fn usage_errors_exit_2() {
    let db = Db::sqlite();
    for args in [
        &["user", "add", "alice"][..],
        &["user", "add", "alice", "--role", "root"],
        &["token", "create", "--user", "alice"],
        &["token", "revoke", "not-a-number"],
    ] {
        assert_eq!(code(&db.run(args)), 2, "{args:?}");
    }
}
