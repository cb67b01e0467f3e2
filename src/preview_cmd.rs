//! `tracebook preview`: the local preview (in tracebook-api's `preview` module) plus what only
//! the terminal needs: the folders, the port on 127.0.0.1, one line per build and the
//! diagnostics of a failed one in the format of `tracebook check`.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use tracebook_api::preview::{Finished, Outcome, Preview, PreviewOptions, Reporter};
use tracebook_generator::Theme;
use tracebook_model::{CONFIG_FILE, Diagnostic, Severity};

use crate::cli::PreviewArgs;
use crate::report;

pub(crate) fn preview(args: &PreviewArgs) -> Result<ExitCode> {
    if !args.root.join(CONFIG_FILE).is_file() {
        bail!(
            "{} is not a tracebook project: it has no {CONFIG_FILE} (run `tracebook init` to create one)",
            args.root.display()
        );
    }
    // Absolute and without symlinks, so that watched paths and the output folder compare.
    let root = std::fs::canonicalize(&args.root)
        .with_context(|| format!("reading {}", args.root.display()))?;
    let out = match &args.out {
        Some(out) => absolute(out)?,
        None => root.join(".tracebook/preview"),
    };
    if root.starts_with(&out) {
        bail!(
            "--out {} holds the project: the preview replaces that folder on every build",
            out.display()
        );
    }
    let theme_dir = args.theme.as_deref().map(absolute).transpose()?;
    let theme = match &theme_dir {
        Some(dir) => {
            Theme::load(dir).with_context(|| format!("loading the theme at {}", dir.display()))?
        }
        None => Theme::embedded().context("loading the built-in theme")?,
    };
    // Only 127.0.0.1: the preview has no accounts (see the `Host` check in the server too).
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = std::net::TcpListener::bind(addr).with_context(|| format!("binding {addr}"))?;
    listener
        .set_nonblocking(true)
        .context("setting up the listener")?;
    let port = listener
        .local_addr()
        .context("reading the bound address")?
        .port();
    let options = PreviewOptions {
        root: root.clone(),
        out,
        theme_dir,
    };
    let preview = Preview::start(options, theme, terminal(root))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        // Tests and scripts read the port from this line (`--port 0` picks any).
        eprintln!("preview at http://127.0.0.1:{port}/");
        preview
            .serve(listener, crate::serve_cmd::shutdown_signal())
            .await
    });
    preview.stop();
    served.context("serving the preview")?;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    let path = std::path::absolute(path).with_context(|| format!("reading {}", path.display()))?;
    // Resolve symlinks in the part that exists, as for the root.
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if parent.is_dir() => Ok(std::fs::canonicalize(parent)
            .with_context(|| format!("reading {}", parent.display()))?
            .join(name)),
        _ => Ok(path),
    }
}

/// Prints one line per build; the diagnostics of a failed build; warnings when they change.
fn terminal(root: PathBuf) -> Reporter {
    let mut warnings_shown: Vec<Diagnostic> = Vec::new();
    Box::new(move |finished: &Finished<'_>| {
        let mut stderr = std::io::stderr().lock();
        // A terminal that went away is no reason to stop previewing.
        let _ = print_build(&mut stderr, &root, finished, &mut warnings_shown);
    })
}

fn print_build(
    out: &mut impl Write,
    root: &Path,
    finished: &Finished<'_>,
    warnings_shown: &mut Vec<Diagnostic>,
) -> std::io::Result<()> {
    let diagnostics = finished.project.map_or(&[][..], |p| &p.diagnostics[..]);
    let ms = finished.elapsed.as_millis();
    match finished.outcome {
        Outcome::Built(build) => {
            let warnings: Vec<Diagnostic> = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .cloned()
                .collect();
            if warnings != *warnings_shown {
                report::human(out, root, &warnings)?;
                *warnings_shown = warnings;
            }
            let files = build.files;
            write!(
                out,
                "rebuilt in {ms} ms: {} files rendered, {} unchanged",
                files.rendered,
                files.linked + files.kept
            )?;
            if files.removed > 0 {
                write!(out, ", {} removed", files.removed)?;
            }
            if !warnings_shown.is_empty() {
                write!(out, " ({} warnings)", warnings_shown.len())?;
            }
            writeln!(out)
        }
        Outcome::ContentErrors => {
            report::human(out, root, diagnostics)?;
            if let Some(project) = finished.project {
                writeln!(out, "{}", report::summary(project))?;
            }
            warnings_shown.clear();
            writeln!(out, "build failed in {ms} ms: kept the last good site")
        }
        Outcome::Failed(message) => {
            writeln!(out, "error: {message}")?;
            writeln!(out, "build failed in {ms} ms: kept the last good site")
        }
    }
}
