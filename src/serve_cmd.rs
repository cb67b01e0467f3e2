//! `tracebook serve`: build the site if needed, then serve it (and the API) until SIGTERM or
//! ctrl-c. The server is async (tokio, axum); everything else in the CLI stays synchronous.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use tracebook_api::AppState;
use tracebook_generator::SearchIndex;

/// Options of `tracebook serve`.
pub(crate) struct ServeOptions {
    pub(crate) root: PathBuf,
    pub(crate) out: PathBuf,
    pub(crate) bind: String,
    pub(crate) port: u16,
}

pub(crate) fn serve(options: ServeOptions) -> Result<ExitCode> {
    if !options.out.join("index.html").is_file() {
        // No site yet: build it first, so the server never serves an empty folder.
        let code = crate::commands::build(&options.root, &options.out, None, None)?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    let addr: SocketAddr = format!("{}:{}", options.bind, options.port)
        .parse()
        .with_context(|| format!("invalid address {}:{}", options.bind, options.port))?;
    let state = AppState::new(options.root.clone(), options.out.clone())
        .with_search(search_index(&options.root)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    runtime.block_on(run(addr, state, &options.out))?;
    Ok(ExitCode::SUCCESS)
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
    tracebook_api::serve(listener, state, shutdown_signal())
        .await
        .context("serving")?;
    eprintln!("stopped");
    Ok(())
}

/// Resolves on ctrl-c or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
