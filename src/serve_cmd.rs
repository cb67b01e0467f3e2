//! `tracebook serve`: open the accounts database, build the site if it is missing or stale,
//! then serve the site and the API behind sign-in until SIGTERM or ctrl-c. The server is async
//! (tokio, axum); everything else in the CLI stays synchronous.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tracebook_api::accounts::{AccountStore, database_url};
use tracebook_api::edits::Editor;
use tracebook_api::rebuild::Rebuilder;
use tracebook_api::{AppState, ServerConfig};
use tracebook_generator::SearchIndex;

use crate::cli::ServeArgs;
use crate::user_cmd::redacted;

/// Shortest secret accepted for signing cookies.
const MIN_SECRET_LEN: usize = 32;
/// How often ended sessions are deleted from the database.
const PURGE_EVERY: Duration = Duration::from_secs(600);

pub(crate) fn serve(args: ServeArgs) -> Result<ExitCode> {
    let root = args.root.clone();
    let out = args.out.clone().unwrap_or_else(|| root.join("public"));
    if !tracebook_api::rebuild::site_is_current(&root, &out) {
        // Missing, built from another commit, or without edit links: build before serving,
        // so the server never serves an empty folder or a stale site.
        eprintln!("building the site into {}", out.display());
        tracebook_api::rebuild::build_now(&root, &out)
            .with_context(|| format!("building the site into {}", out.display()))?;
    }
    let addr: SocketAddr = format!("{}:{}", args.bind, args.port)
        .parse()
        .with_context(|| format!("invalid address {}:{}", args.bind, args.port))?;
    let config = config(&args)?;
    if args.redis_url.is_some() {
        eprintln!(
            "REDIS_URL is set: the Redis queue is consumed by `tracebook worker`; this server \
             still rebuilds in-process"
        );
    }
    let search = search_index(&root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    runtime.block_on(async move {
        let url = database_url(&root, args.database_url.as_deref());
        let accounts = AccountStore::open(&url)
            .await
            .with_context(|| format!("opening the account database {}", redacted(&url)))?;
        let mut state =
            AppState::new(root.clone(), out.clone(), accounts, config).with_search(search);
        match Editor::open(&root, args.branch.as_deref()) {
            Ok(editor) => state = state.with_editor(editor),
            Err(err) => eprintln!("edits are off (read-only): {err}"),
        }
        state.rebuild = Some(Rebuilder::start(
            root.clone(),
            out.clone(),
            state.search.clone(),
        ));
        run(addr, state, &out).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The server's settings from flags and environment.
fn config(args: &ServeArgs) -> Result<ServerConfig> {
    let secret_key = match &args.secret_key {
        Some(secret) if secret.len() >= MIN_SECRET_LEN => secret.as_bytes().to_vec(),
        Some(_) => bail!(
            "TRACEBOOK_SECRET_KEY is too short: use {MIN_SECRET_LEN} characters or more \
             (e.g. `openssl rand -hex 32`)"
        ),
        None => stored_secret(&args.root)?,
    };
    Ok(ServerConfig {
        public_url: args.public_url.clone(),
        mfa_required: args.mfa_required,
        login_attempts_per_minute: args.login_attempts_per_minute,
        trust_proxy: args.trust_proxy,
        secret_key,
        ..ServerConfig::default()
    })
}

/// The key in ROOT/.tracebook/secret-key, made on first use (readable by the owner only), so
/// sessions outlive a restart without anyone having to configure a secret on a laptop.
fn stored_secret(root: &Path) -> Result<Vec<u8>> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = root.join(".tracebook/secret-key");
    if let Ok(text) = std::fs::read_to_string(&path)
        && text.trim().len() >= MIN_SECRET_LEN
    {
        return Ok(text.trim().as_bytes().to_vec());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random key: {e}"))?;
    let key: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(file, "{key}").with_context(|| format!("writing {}", path.display()))?;
    Ok(key.into_bytes())
}

/// Opens the project's search index and brings it up to date (only changed items are
/// re-indexed, so this is quick when `build` already did it).
fn search_index(root: &Path) -> Result<SearchIndex> {
    let project = tracebook_generator::load(root).context("loading the project for search")?;
    let index = SearchIndex::open(root).context("opening the search index")?;
    index.sync(&project).context("updating the search index")?;
    Ok(index)
}

async fn run(addr: SocketAddr, state: AppState, out: &Path) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    // Printed on stdout so scripts and tests can read the port when `--port 0` asked for any.
    println!("serving {} on http://{local}/", out.display());
    if state.accounts.count_users().await? == 0 {
        let secret = state.setup.issue()?;
        let base = state
            .config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        eprintln!(
            "no users yet: create the first admin at {}/setup?token={secret} (the link works once; \
             or use `tracebook user add NAME --role admin`)",
            base.trim_end_matches('/')
        );
    }
    let purge = tokio::spawn(purge_sessions(
        state.accounts.clone(),
        state.config.session_idle,
    ));
    let accounts = state.accounts.clone();
    tracebook_api::serve(listener, state, shutdown_signal())
        .await
        .context("serving")?;
    purge.abort();
    accounts.close().await;
    eprintln!("stopped");
    Ok(())
}

async fn purge_sessions(accounts: AccountStore, idle: Duration) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    loop {
        every.tick().await;
        if let Err(err) = accounts.purge_sessions(idle).await {
            tracing::warn!(%err, "purging ended sessions failed");
        }
    }
}

/// Resolves on ctrl-c or SIGTERM; in-flight requests then finish before the server stops
/// (`serve` and `preview`).
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
