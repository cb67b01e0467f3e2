//! A real server for the HTTP tests: a project in a temporary git repository, its site built,
//! accounts in SQLite or in a private PostgreSQL database, the whole application served on a
//! free port of 127.0.0.1, and reqwest clients with their own cookie jars.

use std::path::{Path, PathBuf};

use git2::Repository;
use sqlx::Connection;
use tracebook_api::publishing::Publishing;
use tracebook_api::{AppState, ServerConfig};
use tracebook_edit::Editor;
use tracebook_store::accounts::{AccountStore, Role, database_url};
use tracebook_test_support::git::commit_all;

pub(crate) const PASSWORD: &str = "correct horse battery";
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub(crate) const CONFIG: &str = tracebook_test_support::project::NEEDS_AND_REQUIREMENTS;

/// Which accounts database a server uses.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Db {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Db)` once per database.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::support::Db::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(crate::support::Db::Postgres).await;
            }
        }
    )*};
}
pub(crate) use on_both_databases;
pub(crate) use tracebook_test_support::project::write;

/// A running server; stops (and drops its PostgreSQL database) when dropped.
pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) root: PathBuf,
    pub(crate) state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// A server with the default settings (and a signing key).
    pub(crate) async fn start(db: Db) -> TestServer {
        TestServer::with_config(db, config()).await
    }

    pub(crate) async fn with_config(db: Db, config: ServerConfig) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        // In a folder of its own, which tests may take away without touching the repository.
        let site = dir.path().join("www").join("site");
        project(&root);
        let (url, postgres) = match db {
            Db::Sqlite => (database_url(&root, None), None),
            Db::Postgres => {
                let admin = std::env::var("TRACEBOOK_TEST_POSTGRES")
                    .unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
                let (name, url) = create_postgres_database(&admin).await;
                (url, Some((admin, name)))
            }
        };
        let publishing = Publishing::embedded(root.clone(), site.clone(), dir.path().join("work"))
            .await
            .expect("building the site");
        let accounts = AccountStore::open(&url)
            .await
            .expect("opening the accounts");
        let mut state = AppState::new(root.clone(), site.clone(), accounts, config)
            .with_editor(Editor::open(&root, None).expect("editor"));
        state.publishing = Some(publishing);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            tracebook_api::serve(listener, served, shutdown)
                .await
                .expect("serving");
        });
        TestServer {
            base,
            root,
            state,
            stop: Some(stop),
            postgres,
            _dir: dir,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds a user with [`PASSWORD`].
    pub(crate) async fn add_user(&self, name: &str, role: Role) {
        self.state
            .accounts
            .add_user(name, PASSWORD, role)
            .await
            .expect("adding a user");
    }

    /// A browser-like client: own cookie jar, redirects not followed (tests look at them).
    pub(crate) fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Signs `name` in on a new client; returns it with the session's CSRF token.
    pub(crate) async fn signed_in(&self, name: &str) -> (reqwest::Client, String) {
        let client = self.client();
        let response = self.login(&client, name, PASSWORD).await;
        assert_eq!(response.status(), 303, "signing in {name}");
        let csrf = self.csrf(&client).await;
        (client, csrf)
    }

    pub(crate) async fn login(
        &self,
        client: &reqwest::Client,
        name: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/login"))
            .form(&[
                ("name", name),
                ("password", password),
                ("next", "/index.html"),
            ])
            .send()
            .await
            .expect("POST /login")
    }

    /// The CSRF token of the client's session, from `/api/me`.
    pub(crate) async fn csrf(&self, client: &reqwest::Client) -> String {
        let me: serde_json::Value = client
            .get(self.url("/api/me"))
            .send()
            .await
            .expect("GET /api/me")
            .json()
            .await
            .expect("json");
        me["csrf_token"]
            .as_str()
            .expect("a session has a CSRF token")
            .to_owned()
    }

    /// Commits on the project's branch.
    pub(crate) fn commit_count(&self) -> usize {
        let repo = Repository::open(&self.root).expect("repo");
        let mut walk = repo.revwalk().expect("walk");
        walk.push_head().expect("head");
        walk.count()
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).expect("read")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some((admin, name)) = self.postgres.take() {
            // Dropped from a plain thread: Drop may run inside the test's runtime.
            let pool_closed = self.state.accounts.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async move {
                    pool_closed.close().await;
                    drop_postgres_database(&admin, &name).await;
                });
            })
            .join()
            .expect("dropping the test database");
        }
    }
}

/// Settings for tests: a fixed signing key, otherwise the defaults.
pub(crate) fn config() -> ServerConfig {
    ServerConfig {
        secret_key: b"a test key that is long enough for signing cookies".to_vec(),
        ..ServerConfig::default()
    }
}

fn project(root: &Path) {
    write(root, "tracebook.yaml", CONFIG);
    write(root, ".gitignore", ".tracebook/\n");
    for n in 1..=3 {
        let text =
            format!("---\nid: STK-00{n}\nkind: need\ntitle: Need {n}\n---\nNeed {n} text.\n");
        write(root, &format!("content/need/STK-00{n}.md"), &text);
    }
    write(
        root,
        "content/requirement/SYS-001.md",
        "---\nid: SYS-001\nkind: requirement\ntitle: Alarm\nlinks:\n  derives_from: [STK-001]\n---\nThe pump shall alarm.\n",
    );
    let repo = Repository::init(root).expect("init");
    commit_all(&repo, "initial");
}

async fn admin_connection(admin: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    match sqlx::AnyConnection::connect(admin).await {
        Ok(connection) => connection,
        Err(err) => panic!(
            "PostgreSQL is not reachable at {admin} ({err}). These tests need a real server: \
             start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main \
             start`, or point TRACEBOOK_TEST_POSTGRES at one"
        ),
    }
}

async fn create_postgres_database(admin: &str) -> (String, String) {
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).expect("random");
    let name = suffix.iter().fold("tracebook_http_".to_owned(), |name, b| {
        format!("{name}{b:02x}")
    });
    let mut connection = admin_connection(admin).await;
    sqlx::query(&format!("create database {name}"))
        .execute(&mut connection)
        .await
        .expect("creating the test database");
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    (name.clone(), format!("{base}/{name}"))
}

async fn drop_postgres_database(admin: &str, name: &str) {
    let mut connection = admin_connection(admin).await;
    sqlx::query(&format!("drop database if exists {name} with (force)"))
        .execute(&mut connection)
        .await
        .expect("dropping the test database");
}

/// Unix time now, for TOTP codes.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// The current ETag of item `id`, read as `client`.
pub(crate) async fn etag(server: &TestServer, client: &reqwest::Client, id: &str) -> String {
    let response = client
        .get(server.url(&format!("/api/items/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {id}");
    response.headers()["etag"].to_str().unwrap().to_owned()
}
