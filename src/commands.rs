//! One function per subcommand; each returns the exit code, or an error for a broken
//! environment.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tracebook_generator::{Changes, Error as GenError, SiteBuilder, SiteOptions, Theme};
use tracebook_model::{CONFIG_FILE, Project};

use crate::cli::{Args, Command, Deny, ExportFormat, Format};
use crate::report;

/// Exit code for content errors or a failed build.
pub(crate) const FAILED: u8 = 1;
/// Exit code for usage and I/O errors.
const USAGE: u8 = 2;

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Command::Check { root, format, deny } => check(&root, format, deny),
        Command::Build {
            root,
            out,
            theme,
            deny,
            full,
        } => {
            let out = out.unwrap_or_else(|| root.join("public"));
            build(&root, &out, theme.as_deref(), deny, full)
        }
        Command::Export {
            root,
            format: ExportFormat::Json,
            out,
        } => export(&root, out.as_deref()),
        Command::Serve(args) => crate::serve_cmd::serve(args),
        Command::Preview(args) => crate::preview_cmd::preview(&args),
        Command::Search(args) => crate::search_cmd::search(args),
        Command::Diff(args) => crate::diff_cmd::diff(&args),
        Command::Review(args) => crate::review_cmd::review(&args),
        Command::User(command) => crate::user_cmd::user(command),
        Command::Token(command) => crate::user_cmd::token(command),
        Command::Worker(args) => crate::worker_cmd::worker(&args),
        Command::Enqueue(args) => crate::worker_cmd::enqueue(&args),
        Command::Migrate(args) => crate::mirror_cmd::migrate(&args),
        Command::Mirror(crate::cli::MirrorCommand::Sync(args)) => crate::mirror_cmd::sync(&args),
        Command::Gate(args) => crate::gate_cmd::gate(&args),
        Command::Results(crate::cli::ResultsCommand::Import(args)) => {
            crate::results_cmd::import(&args)
        }
        Command::Init { dir, template } => {
            crate::init::init(&dir, template).map(|()| ExitCode::SUCCESS)
        }
    }
}

/// Template and content failures are a failed build (1); anything else is I/O or usage (2).
pub(crate) fn exit_code_for(err: &anyhow::Error) -> ExitCode {
    match err.downcast_ref::<GenError>() {
        Some(GenError::Template { .. } | GenError::ContentErrors(_)) => ExitCode::from(FAILED),
        _ => ExitCode::from(USAGE),
    }
}

/// Loads the project at `root`; a folder without tracebook.yaml is a usage error.
pub(crate) fn load(root: &Path) -> Result<Project> {
    if !root.join(CONFIG_FILE).is_file() {
        bail!(
            "{} is not a tracebook project: it has no {CONFIG_FILE} (run `tracebook init` to create one)",
            root.display()
        );
    }
    tracebook_generator::load(root)
        .with_context(|| format!("loading the project at {}", root.display()))
}

fn fails(project: &Project, deny: Option<Deny>) -> bool {
    let counts = project.counts();
    counts.errors > 0 || (deny == Some(Deny::Warnings) && counts.warnings > 0)
}

fn check(root: &Path, format: Format, deny: Option<Deny>) -> Result<ExitCode> {
    let project = load(root)?;
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Human => {
            let mut stderr = std::io::stderr().lock();
            report::human(&mut stderr, root, &project.diagnostics)?;
            writeln!(stderr, "{}", report::summary(&project))?;
        }
        Format::Json => report::json_lines(&mut stdout, &project.diagnostics)?,
        Format::Github => report::github(&mut stdout, &project.diagnostics)?,
        Format::Sarif => report::sarif(&mut stdout, &project.diagnostics)?,
    }
    let code = if fails(&project, deny) {
        ExitCode::from(FAILED)
    } else {
        ExitCode::SUCCESS
    };
    exit_without_freeing(project);
    Ok(code)
}

/// The process is about to exit: let the OS reclaim the project's memory at once instead of
/// freeing 100k items one allocation at a time (measurable in `check`).
fn exit_without_freeing(project: Project) {
    std::mem::forget(project);
}

pub(crate) fn build(
    root: &Path,
    out: &Path,
    theme: Option<&Path>,
    deny: Option<Deny>,
    full: bool,
) -> Result<ExitCode> {
    let started = Instant::now();
    let theme = match theme {
        Some(dir) => {
            Theme::load(dir).with_context(|| format!("loading the theme at {}", dir.display()))?
        }
        None => Theme::embedded().context("loading the built-in theme")?,
    };
    let options = SiteOptions {
        git: true,
        full,
        ..SiteOptions::default()
    };
    let mut builder = SiteBuilder::new(root, out, theme, options);
    let project = builder.load(&Changes::Unknown)?;
    let items = project.items.len() as u64;
    {
        // Scoped: rendering threads may log to stderr, so the lock must not outlive this block.
        let mut stderr = std::io::stderr().lock();
        report::human(&mut stderr, root, &project.diagnostics)?;
        writeln!(stderr, "{}", report::summary(project))?;
        if fails(project, deny) {
            writeln!(
                stderr,
                "nothing was published: fix the problems above ({} is unchanged)",
                out.display()
            )?;
            return Ok(ExitCode::from(FAILED));
        }
    }
    let progress = progress_bar(items);
    let on_page = || progress.inc(1);
    let build = builder
        .publish(&on_page)
        .with_context(|| format!("building the site into {}", out.display()))?;
    progress.finish_and_clear();
    if let Some(project) = builder.project() {
        crate::search_cmd::update_after_build(root, project);
    }
    let files = build.files;
    eprintln!(
        "built {} pages and {} assets into {} in {:.2} s ({} files rendered, {} unchanged)",
        build.report.pages,
        build.report.assets,
        out.display(),
        started.elapsed().as_secs_f64(),
        files.rendered,
        files.linked + files.kept,
    );
    builder.save_state();
    // The process is about to exit: let the OS reclaim the project's memory at once.
    std::mem::forget(builder);
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr; indicatif hides it when stderr is not a terminal.
fn progress_bar(items: u64) -> ProgressBar {
    let bar = ProgressBar::new(items);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} rendering {pos}/{len} pages {wide_bar} {eta}")
    {
        bar.set_style(style);
    }
    bar
}

fn export(root: &Path, out: Option<&Path>) -> Result<ExitCode> {
    let project = load(root)?;
    let json = serde_json::to_string_pretty(&tracebook_model::export(&project))?;
    match out {
        Some(path) => write_file(path, &json)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{json}")?;
        }
    }
    if project.counts().errors > 0 {
        eprintln!("{}", report::summary(&project));
        return Ok(ExitCode::from(FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    tracebook_generator::write_atomically(path, format!("{text}\n").as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
