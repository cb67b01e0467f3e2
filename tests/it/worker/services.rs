//! Real servers for the tests: the machine's Redis and PostgreSQL (each test under a key prefix
//! or a database of its own; the tests fail, never skip, when they are down), and private
//! redis-server and PostgreSQL instances on spare ports for the tests that stop them.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::support::{rand_suffix, wait_until};

const SHARED_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// `redis-cli` against `url` (host and port only).
pub(crate) fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Fails (never skips) when the shared Redis is down.
#[track_caller]
pub(crate) fn require_shared_redis() {
    let pong = redis_cli(6379, &["ping"]);
    assert_eq!(
        pong, "PONG",
        "Redis is not running on 127.0.0.1:6379: these tests need it (.ci/run starts it)"
    );
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for a test).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A redis-server of the test's own, which it may stop and start again on the same port.
pub(crate) struct PrivateRedis {
    pub(crate) port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    pub(crate) fn start() -> PrivateRedis {
        let mut redis = PrivateRedis {
            port: free_port(),
            dir: tempfile::tempdir().expect("tempdir"),
            child: None,
        };
        redis.restart();
        redis
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts it (again), empty: nothing is kept on disk, as on our machines.
    pub(crate) fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package)");
        self.child = Some(child);
        let port = self.port;
        wait_until(
            "the private redis-server answers PING",
            Duration::from_secs(10),
            || redis_cli(port, &["ping"]) == "PONG",
        );
    }

    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A PostgreSQL cluster of the test's own (initdb + pg_ctl as the postgres user), on a spare
/// port, trust authentication.
pub(crate) struct PrivatePostgres {
    pub(crate) port: u16,
    dir: tempfile::TempDir,
}

impl PrivatePostgres {
    pub(crate) fn start() -> PrivatePostgres {
        let dir = tempfile::Builder::new()
            .prefix("tbpg")
            .tempdir()
            .expect("tempdir");
        let data = dir.path().join("data");
        chown_postgres(dir.path());
        let initdb = as_postgres("initdb")
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(&data)
            .output()
            .expect("initdb");
        assert!(
            initdb.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let pg = PrivatePostgres {
            port: free_port(),
            dir,
        };
        pg.pg_ctl_start();
        pg
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub(crate) fn pg_ctl_start(&self) {
        let data = self.dir.path().join("data");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.path().display()
        );
        let out = as_postgres("pg_ctl")
            .args(["-w", "-t", "30", "-D"])
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .arg("start")
            .output()
            .expect("pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub(crate) fn stop(&self) {
        let out = as_postgres("pg_ctl")
            .args(["-w", "-m", "fast", "-D"])
            .arg(self.dir.path().join("data"))
            .arg("stop")
            .output()
            .expect("pg_ctl stop");
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = as_postgres("pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(self.dir.path().join("data"))
            .arg("stop")
            .output();
    }
}

/// `program` run as the postgres user when we are root (initdb refuses root).
fn as_postgres(program: &str) -> Command {
    if rustix_is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", program]);
        command
    } else {
        Command::new(program)
    }
}

fn rustix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chown_postgres(path: &Path) {
    if rustix_is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(path)
            .status()
            .expect("chown");
        assert!(status.success());
    }
}

/// A database of its own on the shared PostgreSQL (fails, never skips, when it is down).
pub(crate) fn shared_postgres_database(test: &str) -> String {
    let name = format!("tbtest_{test}_{}_{}", std::process::id(), rand_suffix());
    let out = Command::new("psql")
        .args([
            SHARED_POSTGRES,
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            &format!("create database {name}"),
        ])
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "PostgreSQL is not reachable at {SHARED_POSTGRES} ({}): these tests need it (.ci/run starts it)",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("postgres://postgres@127.0.0.1:5432/{name}")
}

/// One value from a query (psql, unaligned, no header).
pub(crate) fn psql(url: &str, query: &str) -> Option<String> {
    let out = Command::new("psql")
        .args([url, "-At", "-c", query])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
