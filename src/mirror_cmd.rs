//! `tracebook migrate` and `tracebook mirror sync`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use tracebook_generator::git::Repo;
use tracebook_store::accounts::database_url;
use tracebook_store::mirror::{Mirror, MirrorCommit};

use crate::cli::DbArgs;
use crate::user_cmd::redacted;

/// Applies the migrations (accounts and mirror tables) and says so.
pub(crate) fn migrate(args: &DbArgs) -> Result<ExitCode> {
    let url = database_url(&args.root, args.database_url.as_deref());
    runtime()?.block_on(async {
        let mirror = Mirror::open(&url)
            .await
            .with_context(|| format!("migrating {}", redacted(&url)))?;
        mirror.pool().close().await;
        println!("{} is up to date", redacted(&url));
        Ok(ExitCode::SUCCESS)
    })
}

/// Mirrors the project as committed at HEAD (not the work tree: the mirror is keyed by commit).
pub(crate) fn sync(args: &DbArgs) -> Result<ExitCode> {
    let url = database_url(&args.root, args.database_url.as_deref());
    let repo = Repo::discover(&args.root)?
        .with_context(|| format!("{} is not in a git repository", args.root.display()))?;
    let head = repo.resolve("HEAD")?;
    let project = repo.project_at(&head)?;
    let commit = MirrorCommit {
        id: head.id.clone(),
        author: head.author.clone(),
        committed_at: head.time,
        summary: head.subject.clone(),
    };
    runtime()?.block_on(async {
        let mirror = Mirror::open(&url)
            .await
            .with_context(|| format!("opening {}", redacted(&url)))?;
        let report = mirror
            .sync(&project, &commit)
            .await
            .context("syncing the mirror")?;
        mirror.pool().close().await;
        if report.was_current {
            println!("the mirror already holds {}", head.short);
        } else {
            println!(
                "mirrored {}: {} item rows written, {} deleted; {} link rows written, {} deleted",
                head.short,
                report.items_written,
                report.items_deleted,
                report.links_written,
                report.links_deleted
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting tokio")
}
