//! Account store tests, each run against SQLite in a temporary folder and against a fresh
//! PostgreSQL database (created on TRACEBOOK_TEST_POSTGRES, dropped at the end).

use std::future::Future;
use std::path::Path;

use sqlx::Connection;

use super::token::sha256_hex;
use super::{AccountStore, Error, Role, TOKEN_PREFIX, database_url};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PASSWORD: &str = "correct horse battery";

/// Runs `body` once per database.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::on_sqlite(super::$name).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::on_postgres(super::$name).await;
            }
        }
    )*};
}
pub(crate) use on_both_databases;

on_both_databases!(
    adds_lists_and_removes_users,
    rejects_duplicate_names_short_passwords_and_bad_names,
    rejects_wrong_passwords_and_unknown_users,
    tokens_authenticate_until_revoked,
    stores_no_secret_in_clear,
    migrations_apply_twice,
    records_audit_entries,
);

pub(crate) async fn on_sqlite<F: Future<Output = ()>>(body: fn(String) -> F) {
    let dir = tempfile::tempdir().expect("tempdir");
    body(database_url(dir.path(), None)).await;
}

pub(crate) async fn on_postgres<F>(body: fn(String) -> F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let admin =
        std::env::var("TRACEBOOK_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
    let (name, url) = create_postgres_database(&admin).await;
    // Spawned so a failing assertion still lets us drop the database before re-raising it.
    let outcome = tokio::spawn(body(url)).await;
    drop_postgres_database(&admin, &name).await;
    if let Err(join) = outcome {
        std::panic::resume_unwind(join.into_panic());
    }
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

async fn create_postgres_database(admin: &str) -> (String, String) {
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).expect("random");
    let name: String = suffix
        .iter()
        .fold("tracebook_test_".to_owned(), |mut name, b| {
            name.push_str(&format!("{b:02x}"));
            name
        });
    let mut connection = admin_connection(admin).await;
    sqlx::query(&format!("create database {name}"))
        .execute(&mut connection)
        .await
        .expect("creating the test database");
    connection.close().await.expect("closing");
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    let url = format!("{base}/{name}");
    (name, url)
}

async fn drop_postgres_database(admin: &str, name: &str) {
    let mut connection = admin_connection(admin).await;
    sqlx::query(&format!("drop database if exists {name} with (force)"))
        .execute(&mut connection)
        .await
        .expect("dropping the test database");
}

async fn open(url: String) -> AccountStore {
    AccountStore::open(&url).await.expect("opening the store")
}

async fn adds_lists_and_removes_users(url: String) {
    let store = open(url).await;
    assert_eq!(store.count_users().await.unwrap(), 0);
    let alice = store
        .add_user("alice", PASSWORD, Role::Admin)
        .await
        .unwrap();
    store.add_user("bob", PASSWORD, Role::Viewer).await.unwrap();
    let users = store.list_users().await.unwrap();
    let names: Vec<(&str, Role)> = users.iter().map(|u| (u.name.as_str(), u.role)).collect();
    assert_eq!(names, [("alice", Role::Admin), ("bob", Role::Viewer)]);
    assert_eq!(users[0], alice);
    assert_eq!(store.count_users().await.unwrap(), 2);

    store
        .set_password("bob", "a brand new passphrase")
        .await
        .unwrap();
    assert!(
        store
            .verify_password("bob", PASSWORD)
            .await
            .unwrap()
            .is_none()
    );
    let bob = store
        .verify_password("bob", "a brand new passphrase")
        .await
        .unwrap();
    assert_eq!(bob.map(|u| u.name).as_deref(), Some("bob"));

    store.remove_user("bob").await.unwrap();
    assert_eq!(store.list_users().await.unwrap(), [alice]);
    assert!(
        matches!(store.remove_user("bob").await, Err(Error::UnknownUser(name)) if name == "bob")
    );
    assert!(matches!(
        store.set_password("bob", PASSWORD).await,
        Err(Error::UnknownUser(_))
    ));
    store.close().await;
}

async fn rejects_duplicate_names_short_passwords_and_bad_names(url: String) {
    let store = open(url).await;
    store
        .add_user("alice", PASSWORD, Role::Editor)
        .await
        .unwrap();
    let duplicate = store.add_user("alice", PASSWORD, Role::Viewer).await;
    assert!(matches!(duplicate, Err(Error::DuplicateUser(name)) if name == "alice"));
    let short = store.add_user("carol", "short", Role::Viewer).await;
    assert!(matches!(short, Err(Error::ShortPassword)));
    assert!(
        short
            .unwrap_err()
            .to_string()
            .contains("at least 12 characters")
    );
    assert!(matches!(
        store.set_password("alice", "elevenchars").await,
        Err(Error::ShortPassword)
    ));
    for bad in ["", "a b", "tab\there"] {
        assert!(matches!(
            store.add_user(bad, PASSWORD, Role::Viewer).await,
            Err(Error::InvalidName(_))
        ));
    }
    assert_eq!(store.count_users().await.unwrap(), 1);
    store.close().await;
}

async fn rejects_wrong_passwords_and_unknown_users(url: String) {
    let store = open(url).await;
    store
        .add_user("alice", PASSWORD, Role::Viewer)
        .await
        .unwrap();
    assert!(
        store
            .verify_password("alice", "wrong password!")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.verify_password("alice", "").await.unwrap().is_none());
    assert!(
        store
            .verify_password("nobody", PASSWORD)
            .await
            .unwrap()
            .is_none()
    );
    let alice = store.verify_password("alice", PASSWORD).await.unwrap();
    assert_eq!(alice.map(|u| u.role), Some(Role::Viewer));
    store.close().await;
}

async fn tokens_authenticate_until_revoked(url: String) {
    let store = open(url).await;
    store
        .add_user("alice", PASSWORD, Role::Editor)
        .await
        .unwrap();
    let (id, secret) = store.create_token("alice", "ci").await.unwrap();
    assert!(secret.starts_with(TOKEN_PREFIX));
    assert_eq!(secret.len(), TOKEN_PREFIX.len() + 64);
    let (_, other) = store.create_token("alice", "laptop").await.unwrap();
    assert_ne!(secret, other);
    assert!(matches!(
        store.create_token("nobody", "x").await,
        Err(Error::UnknownUser(_))
    ));

    let tokens = store.list_tokens().await.unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!((tokens[0].id, tokens[0].name.as_str()), (id, "ci"));
    assert_eq!(tokens[0].last_used_at, None);

    let user = store.user_for_token(&secret).await.unwrap();
    assert_eq!(user.map(|u| u.name).as_deref(), Some("alice"));
    assert!(store.list_tokens().await.unwrap()[0].last_used_at.is_some());
    assert!(store.user_for_token("tb_0000").await.unwrap().is_none());
    assert!(store.user_for_token("").await.unwrap().is_none());

    store.revoke_token(id).await.unwrap();
    store.revoke_token(id).await.unwrap();
    assert!(store.user_for_token(&secret).await.unwrap().is_none());
    assert!(store.list_tokens().await.unwrap()[0].revoked_at.is_some());
    assert!(store.user_for_token(&other).await.unwrap().is_some());
    assert!(matches!(
        store.revoke_token(9999).await,
        Err(Error::UnknownToken(9999))
    ));

    store.remove_user("alice").await.unwrap();
    assert!(store.user_for_token(&other).await.unwrap().is_none());
    assert!(store.list_tokens().await.unwrap().is_empty());
    store.close().await;
}

async fn stores_no_secret_in_clear(url: String) {
    let store = open(url).await;
    store
        .add_user("alice", PASSWORD, Role::Viewer)
        .await
        .unwrap();
    let (_, secret) = store.create_token("alice", "ci").await.unwrap();
    let password_hash: String = sqlx::query_scalar("select password_hash from users")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert!(
        password_hash.starts_with("$argon2id$v=19$"),
        "{password_hash}"
    );
    assert!(!password_hash.contains(PASSWORD));
    let token_hash: String = sqlx::query_scalar("select token_hash from api_tokens")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(token_hash, sha256_hex(&secret));
    assert_eq!(token_hash.len(), 64);
    assert!(!token_hash.contains(&secret[TOKEN_PREFIX.len()..]));
    // Same password, different salt: the hashes differ.
    store.add_user("bob", PASSWORD, Role::Viewer).await.unwrap();
    let hashes: Vec<String> = sqlx::query_scalar("select password_hash from users")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_ne!(hashes[0], hashes[1]);
    store.close().await;
}

async fn migrations_apply_twice(url: String) {
    let first = open(url.clone()).await;
    first
        .add_user("alice", PASSWORD, Role::Admin)
        .await
        .unwrap();
    first.close().await;
    let second = open(url).await;
    assert_eq!(second.count_users().await.unwrap(), 1);
    let applied: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations")
        .fetch_one(&second.pool)
        .await
        .unwrap();
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite"))
        .unwrap()
        .count();
    assert_eq!(
        applied,
        i64::try_from(shipped).unwrap(),
        "each migration once"
    );
    second.close().await;
}

async fn records_audit_entries(url: String) {
    let store = open(url).await;
    store
        .audit("user.add", Some("alice"), Some("cli"), "role admin")
        .await
        .unwrap();
    store.audit("setup.link", None, None, "").await.unwrap();
    let entries = store.recent_audit(10).await.unwrap();
    let events: Vec<&str> = entries.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["setup.link", "user.add"]);
    assert_eq!(entries[1].user_name.as_deref(), Some("alice"));
    assert_eq!(entries[1].client.as_deref(), Some("cli"));
    assert_eq!(entries[0].user_name, None);
    store.close().await;
}

#[test]
fn defaults_to_sqlite_under_the_project() {
    let url = database_url(Path::new("/p"), None);
    assert_eq!(url, "sqlite:///p/.tracebook/tracebook.db");
    assert_eq!(database_url(Path::new("/p"), Some("  ")), url);
    assert_eq!(
        database_url(Path::new("/p"), Some("postgres://h/db")),
        "postgres://h/db"
    );
}

#[test]
fn parses_roles() {
    for role in [Role::Viewer, Role::Editor, Role::Admin] {
        assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
    }
    assert!(matches!("root".parse::<Role>(), Err(Error::UnknownRole(_))));
}

#[tokio::test]
async fn rejects_unsupported_urls() {
    let err = AccountStore::open("mysql://x/y").await.unwrap_err();
    assert!(matches!(err, Error::UnsupportedUrl(_)));
}
