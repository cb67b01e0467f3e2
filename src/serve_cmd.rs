//! `tracebook serve`: open the accounts database, build the site if it is missing or stale,
//! then serve the site and the API behind sign-in until SIGTERM or ctrl-c. The server is async
//! (tokio, axum); everything else in the CLI stays synchronous.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tracebook_api::publishing::Publishing;
use tracebook_api::{AppState, ServerConfig};
use tracebook_edit::Editor;
use tracebook_generator::{BuildInfo, Changes, SearchIndex, SiteBuilder, SiteOptions, Theme};
use tracebook_store::accounts::{AccountStore, database_url};
use tracebook_worker::{
    ConsumerOptions, Queue, RedisQueue, RedisQueueOptions, RunOutcome, Runner, Source,
};

use crate::cli::ServeArgs;
use crate::user_cmd::redacted;
use crate::worker_cmd::{WorkDir, runner, steps};

/// Shortest secret accepted for signing cookies.
const MIN_SECRET_LEN: usize = 32;
/// How often ended sessions are deleted from the database.
const PURGE_EVERY: Duration = Duration::from_secs(600);

pub(crate) fn serve(args: ServeArgs) -> Result<ExitCode> {
    let root = args.root.clone();
    let out = args.out.clone().unwrap_or_else(|| root.join("public"));
    let addr: SocketAddr = format!("{}:{}", args.bind, args.port)
        .parse()
        .with_context(|| format!("invalid address {}:{}", args.bind, args.port))?;
    let config = config(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    runtime.block_on(async move {
        let url = database_url(&root, args.database_url.as_deref());
        let accounts = AccountStore::open(&url)
            .await
            .with_context(|| format!("opening the account database {}", redacted(&url)))?;
        let mut state = AppState::new(root.clone(), out.clone(), accounts, config);
        match Editor::open(&root, args.branch.as_deref()) {
            Ok(editor) => state = state.with_editor(editor),
            Err(err) => eprintln!("edits are off (read-only): {err}"),
        }
        match Source::of(&root, args.branch.as_deref()) {
            Ok(source) => {
                let publishing = start_publishing(&args, &source, &out, &url, &mut state).await?;
                state.publishing = Some(publishing);
            }
            Err(err) => {
                // Not in git: no commits to build; the work tree is built once.
                eprintln!("the site is not rebuilt after edits: {err:#}");
                build_work_tree_once(&root, &out).await?;
                state = state.with_search(search_index(&root, true)?);
            }
        }
        run(addr, state, &out).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Connects the server to the rebuild queue: Redis (the `tracebook worker` processes build)
/// or, without Redis, an in-process queue and a worker of its own. Either way the site is
/// brought up to the branch first when there is none yet, so the server never serves an
/// empty folder.
async fn start_publishing(
    args: &ServeArgs,
    source: &Source,
    out: &Path,
    database: &str,
    state: &mut AppState,
) -> Result<Arc<Publishing>> {
    let root = &source.root;
    // Several server replicas may share one content folder (docker-compose-deploy.yml): the
    // second takes a numbered work folder rather than failing on the first's.
    let work = match WorkDir::claim(root, Some("serve")) {
        Ok(work) => work,
        Err(_) => WorkDir::claim(root, None)?,
    };
    let queue: Arc<dyn Queue> = match &args.queue.redis_url {
        Some(redis_url) => {
            let mut options = RedisQueueOptions::new(redis_url, &work.name);
            options.prefix.clone_from(&args.queue.queue_prefix);
            *state = state
                .clone()
                .with_search(search_index(root, false)?)
                .with_shared_login_limits(redis_url, &args.queue.queue_prefix)
                .map_err(anyhow::Error::msg)?;
            if BuildInfo::read(out).is_none() {
                eprintln!("building the site into {}", out.display());
                let steps = steps(root, database, state.search.clone())?;
                build_now(runner(source, out, &work, steps), &source.branch).await?;
            }
            Arc::new(RedisQueue::new(options)?)
        }
        None => {
            *state = state.clone().with_search(search_index(root, true)?);
            let steps = steps(root, database, state.search.clone())?;
            let mut runner = runner(source, out, &work, steps);
            let branch = source.branch.clone();
            let (behind, runner_back) = tokio::task::spawn_blocking(move || {
                let behind = runner.is_behind(&branch);
                (behind, runner)
            })
            .await
            .context("checking the site")?;
            runner = runner_back;
            if behind.unwrap_or(true) {
                eprintln!("building the site into {}", out.display());
                runner = build_now(runner, &source.branch).await?;
            }
            // The worker lives as long as the server; so does the work folder's lock.
            std::mem::forget(work);
            let mut options = ConsumerOptions::new(&source.repo, &source.branch);
            options.idle_check = Duration::from_secs_f64(args.idle_check);
            tracebook_worker::spawn_embedded(runner, options)
        }
    };
    let publishing = Publishing::start(
        queue,
        root.clone(),
        out.to_path_buf(),
        source.repo.clone(),
        source.branch.clone(),
    );
    Ok(publishing)
}

/// Builds the branch now; an error when no site could be published and none exists.
async fn build_now(mut runner: Runner, branch: &str) -> Result<Runner> {
    let branch = branch.to_owned();
    let (outcome, runner) = tokio::task::spawn_blocking(move || {
        let outcome = runner.run(&branch, 0);
        (outcome, runner)
    })
    .await
    .context("building the site")?;
    if let RunOutcome::Failed { record, .. } = outcome
        && BuildInfo::read(runner.site()).is_none()
    {
        let mut message = record.message.unwrap_or_default();
        for line in &record.diagnostics {
            message.push_str("\n  ");
            message.push_str(line);
        }
        bail!("building the site failed: {message}");
    }
    Ok(runner)
}

/// A project outside git: build the work tree once (when there is no current site).
async fn build_work_tree_once(root: &Path, out: &Path) -> Result<()> {
    if BuildInfo::read(out).is_some_and(|info| info.is_this_version() && info.has_edit_links) {
        return Ok(());
    }
    eprintln!("building the site into {}", out.display());
    let (root, out) = (root.to_path_buf(), out.to_path_buf());
    tokio::task::spawn_blocking(move || -> Result<()> {
        let options = SiteOptions {
            edit_links: true,
            git: true,
            ..SiteOptions::default()
        };
        let mut builder = SiteBuilder::new(&root, &out, Theme::embedded()?, options);
        builder
            .build(&Changes::Unknown, &|| ())
            .with_context(|| format!("building the site into {}", out.display()))?;
        Ok(())
    })
    .await
    .context("building the site")?
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
        // An empty secret would sign with an empty key: the hook stays off instead.
        webhook_secret: args.webhook_secret.clone().filter(|s| !s.is_empty()),
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

/// Opens the project's search index; `sync`: bring it up to date with the work tree first
/// (only changed items are re-indexed). Not with Redis: the workers write the index then, and
/// two writers would collide.
fn search_index(root: &Path, sync: bool) -> Result<SearchIndex> {
    let index = SearchIndex::open(root).context("opening the search index")?;
    if sync {
        let project = tracebook_generator::load(root).context("loading the project for search")?;
        index.sync(&project).context("updating the search index")?;
    }
    Ok(index)
}

async fn run(addr: SocketAddr, state: AppState, out: &Path) -> Result<()> {
    // After start-up, which may have created files there (search index, work folders).
    make_private(&state.root.join(".tracebook"))?;
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

/// `ROOT/.tracebook/` holds the accounts database (password hashes, TOTP secrets) and the
/// cookie key: every folder in it 0700, every file 0600, also what an older version (or another
/// command run with a looser umask) left readable by others. Links are not followed.
fn make_private(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let set = |path: &Path, mode: u32| -> Result<()> {
        let meta = std::fs::symlink_metadata(path)
            .with_context(|| format!("reading {}", path.display()))?;
        if meta.permissions().mode() & 0o777 != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .with_context(|| format!("making {} private", path.display()))?;
        }
        Ok(())
    };
    if !std::fs::symlink_metadata(dir).is_ok_and(|meta| meta.is_dir()) {
        return Ok(());
    }
    set(dir, 0o700)?;
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", entry.path().display()))?;
        if kind.is_dir() {
            make_private(&entry.path())?;
        } else if kind.is_file() {
            set(&entry.path(), 0o600)?;
        }
    }
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
