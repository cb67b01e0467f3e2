//! Fixtures: a project in a git repository, `tracebook` processes with their output, private
//! Redis and PostgreSQL servers, and bounded waits.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use git2::Repository;

use crate::gitrepo::commit_all;
pub(crate) use tracebook_test_support::project::write;

pub(crate) const SHARED_REDIS: &str = "redis://127.0.0.1:6379";
pub(crate) const WEBHOOK_SECRET: &str = "a webhook secret for the tests";

const CONFIG: &str = tracebook_test_support::project::NEEDS_AND_REQUIREMENTS;

/// A project committed in its own repository, with `extra` more requirements (to make builds
/// take a while).
pub(crate) struct Project {
    _dir: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) site: PathBuf,
    pub(crate) repo: Repository,
}

impl Project {
    pub(crate) fn new(extra: usize) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        let site = dir.path().join("site");
        write(&root, "tracebook.yaml", CONFIG);
        write(&root, ".gitignore", ".tracebook/\n");
        write(
            &root,
            "content/need/STK-001.md",
            "---\nid: STK-001\nkind: need\ntitle: Need one\n---\nA need.\n",
        );
        write(
            &root,
            "content/requirement/SYS-001.md",
            &requirement(1, "Alarm"),
        );
        for n in 0..extra {
            let id = n + 100;
            write(
                &root,
                &format!("content/requirement/SYS-{id:04}.md"),
                &requirement(id, &format!("Bulk requirement {id}")),
            );
        }
        let repo = Repository::init(&root).expect("git init");
        commit_all(&repo, "initial");
        Project {
            _dir: dir,
            root,
            site,
            repo,
        }
    }

    /// Commits a new title for SYS-001; returns the commit id.
    pub(crate) fn commit_title(&self, title: &str) -> String {
        write(
            &self.root,
            "content/requirement/SYS-001.md",
            &requirement(1, title),
        );
        commit_all(&self.repo, &format!("retitle: {title}")).to_string()
    }

    /// Commits a new project name (every page shows it: a build renders them all, which
    /// takes long enough to kill a worker in the middle of it) and a new title for SYS-001.
    pub(crate) fn commit_name_and_title(&self, name: &str, title: &str) -> String {
        write(
            &self.root,
            "tracebook.yaml",
            &CONFIG.replace("project: T", &format!("project: {name}")),
        );
        self.commit_title(title)
    }

    /// Commits broken front matter in SYS-001 (a push nobody checked).
    pub(crate) fn commit_broken(&self) -> String {
        write(
            &self.root,
            "content/requirement/SYS-001.md",
            "---\nid: SYS-001\nkind: requirement\ntitle: [unclosed\n---\nBroken.\n",
        );
        commit_all(&self.repo, "broken front matter").to_string()
    }

    pub(crate) fn head(&self) -> String {
        self.repo
            .head()
            .expect("head")
            .peel_to_commit()
            .expect("commit")
            .id()
            .to_string()
    }

    pub(crate) fn branch(&self) -> String {
        self.repo
            .head()
            .expect("head")
            .shorthand()
            .expect("branch")
            .to_owned()
    }

    /// The commit the published site was built from.
    pub(crate) fn published(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.site.join("build-info.json")).ok()?;
        let info: serde_json::Value = serde_json::from_str(&text).ok()?;
        info["commit"].as_str().map(str::to_owned)
    }

    /// SYS-001's published page.
    pub(crate) fn page(&self) -> String {
        std::fs::read_to_string(self.site.join("items/SYS-001/index.html")).unwrap_or_default()
    }

    /// The build log the workers keep beside the site.
    pub(crate) fn builds(&self) -> Vec<serde_json::Value> {
        let path = self.site.with_file_name(".site.builds.json");
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub(crate) fn root_str(&self) -> &str {
        self.root.to_str().expect("utf-8")
    }

    pub(crate) fn site_str(&self) -> &str {
        self.site.to_str().expect("utf-8")
    }
}

fn requirement(n: usize, title: &str) -> String {
    let id = if n < 100 {
        format!("SYS-{n:03}")
    } else {
        format!("SYS-{n:04}")
    };
    format!(
        "---\nid: {id}\nkind: requirement\ntitle: {title}\nlinks:\n  derives_from: [STK-001]\n---\nThe pump shall do {title}.\n"
    )
}

/// A `tracebook` process; killed when dropped. Its stdout and stderr lines are collected.
pub(crate) struct Proc {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    pub(crate) name: String,
}

impl Proc {
    pub(crate) fn start(name: &str, args: &[&str], env: &[(&str, &str)]) -> Proc {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tracebook"));
        command
            .args(args)
            .env_remove("REDIS_URL")
            .env_remove("DATABASE_URL")
            .env("TRACEBOOK_LOG", "info,html5ever=off")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("starting tracebook");
        let (send, lines) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let send = send.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if send.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Proc {
            child,
            lines,
            seen: Vec::new(),
            name: name.to_owned(),
        }
    }

    /// Waits for a line containing `text`; panics with everything seen after `within`.
    #[track_caller]
    pub(crate) fn wait_line(&mut self, text: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        if let Some(line) = self.seen.iter().find(|l| l.contains(text)) {
            return line.clone();
        }
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        self.drain();
        panic!(
            "{} never printed {text:?}; it printed:\n{}",
            self.name,
            self.seen.join("\n")
        );
    }

    fn drain(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
    }

    /// SIGKILL, as a crash or the OOM killer would.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `tracebook serve` on a free port; `base` is its URL.
pub(crate) fn serve(project: &Project, env: &[(&str, &str)]) -> (Proc, String) {
    // The tests' secret unless `env` sets one (later entries win).
    let mut all = vec![("TRACEBOOK_WEBHOOK_SECRET", WEBHOOK_SECRET)];
    all.extend_from_slice(env);
    let mut proc = Proc::start(
        "serve",
        &[
            "serve",
            project.root_str(),
            "--out",
            project.site_str(),
            "--port",
            "0",
        ],
        &all,
    );
    let line = proc.wait_line("serving ", Duration::from_secs(120));
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("address")
        .trim_end_matches('/')
        .to_owned();
    (proc, base)
}

/// `tracebook worker` with `env`.
pub(crate) fn worker(project: &Project, name: &str, env: &[(&str, &str)]) -> Proc {
    let mut proc = Proc::start(
        name,
        &[
            "worker",
            project.root_str(),
            "--out",
            project.site_str(),
            "--name",
            name,
        ],
        env,
    );
    proc.wait_line("publishing", Duration::from_secs(60));
    proc
}

/// An editor's API token made with the CLI, in the accounts database `database` (`None`:
/// the default SQLite file).
pub(crate) fn editor_token(project: &Project, database: Option<&str>) -> String {
    let with_db = |command: &mut Command| {
        command.env_remove("DATABASE_URL");
        if let Some(url) = database {
            command.env("DATABASE_URL", url);
        }
    };
    let mut add = Command::new(env!("CARGO_BIN_EXE_tracebook"));
    add.args([
        "user",
        "add",
        "eddie",
        "--role",
        "editor",
        "--password-stdin",
        "--root",
        project.root_str(),
    ])
    .stdin(Stdio::piped());
    with_db(&mut add);
    let mut add = add.spawn().expect("user add");
    std::io::Write::write_all(
        &mut add.stdin.take().expect("stdin"),
        b"a long enough password\n",
    )
    .expect("password");
    assert!(add.wait().expect("user add").success());
    let mut create = Command::new(env!("CARGO_BIN_EXE_tracebook"));
    create.args([
        "token",
        "create",
        "--user",
        "eddie",
        "--name",
        "tests",
        "--root",
        project.root_str(),
    ]);
    with_db(&mut create);
    let out = create.output().expect("token create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub(crate) fn client(token: &str) -> reqwest::blocking::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    reqwest::blocking::Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// PUTs a new title for SYS-001 through the API; returns the answer's JSON.
pub(crate) fn put_title(
    client: &reqwest::blocking::Client,
    base: &str,
    title: &str,
) -> serde_json::Value {
    let url = format!("{base}/api/items/SYS-001");
    let current = client.get(&url).send().expect("GET item");
    assert_eq!(current.status().as_u16(), 200, "GET {url}");
    let etag = current.headers()["etag"].to_str().expect("etag").to_owned();
    let answer = client
        .put(&url)
        .header("If-Match", etag)
        .json(&serde_json::json!({ "title": title }))
        .send()
        .expect("PUT item");
    assert_eq!(answer.status().as_u16(), 200, "PUT {url}");
    answer.json().expect("json")
}

/// Posts a push event for `commit` to the git hook, signed with `secret` (`None`: unsigned).
pub(crate) fn push_hook(
    base: &str,
    branch: &str,
    commit: &str,
    secret: Option<&str>,
) -> reqwest::blocking::Response {
    let body =
        serde_json::json!({ "ref": format!("refs/heads/{branch}"), "after": commit }).to_string();
    let mut request = reqwest::blocking::Client::new()
        .post(format!("{base}/api/hooks/git"))
        .header("content-type", "application/json")
        .body(body.clone());
    if let Some(secret) = secret {
        request = request.header(
            "X-Hub-Signature-256",
            tracebook_api_signature(secret, &body),
        );
    }
    request.send().expect("POST hook")
}

/// HMAC-SHA256 as GitHub sends it (computed with `openssl`, independently of our code).
fn tracebook_api_signature(secret: &str, body: &str) -> String {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", secret])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), body.as_bytes())
        .expect("body");
    let out = child.wait_with_output().expect("openssl");
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text.rsplit(' ').next().expect("digest").trim();
    format!("sha256={hex}")
}

/// Polls `check` until it is true; panics with `what` after `within`.
#[track_caller]
pub(crate) fn wait_until(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(check(), "timed out after {within:?} waiting for: {what}");
}

/// A key prefix of its own for a test on the shared Redis.
pub(crate) fn queue_prefix(test: &str) -> String {
    format!("tbtest-{test}-{}-{}", std::process::id(), rand_suffix())
}

pub(crate) fn rand_suffix() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::from(now.subsec_nanos())
}

/// One value from the default SQLite mirror (through the sqlite3-free route: `tracebook`
/// has none, so sqlx is used directly).
pub(crate) fn sqlite_value(path: &Path, query: &str) -> Option<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}?mode=ro", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.ok()?;
        let value: Option<String> = sqlx::query_scalar(query)
            .fetch_optional(&mut conn)
            .await
            .ok()?;
        value
    })
}
