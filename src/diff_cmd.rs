//! `tracebook diff A [B]`: the change and impact report between two versions, for a terminal
//! (human), for tools (json) or as a pull-request comment (markdown).

mod markdown;
mod terminal;

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use tracebook_generator::git::Repo;
use tracebook_generator::{WORKING_TREE, resolve_side};
use tracebook_model::{ChangeReport, Side};

use crate::cli::{DiffArgs, DiffFormat};

pub(crate) fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let working = crate::commands::load(&args.root)?;
    let Some(repo) = Repo::discover(&args.root)
        .with_context(|| format!("opening the git repository of {}", args.root.display()))?
    else {
        bail!(
            "{} is not in a git repository: `tracebook diff` compares git refs and baselines",
            args.root.display()
        );
    };
    let resolve = |spec: &str| {
        resolve_side(&repo, &working, spec).with_context(|| {
            let names: Vec<&str> = working.baselines.iter().map(|b| b.name.as_str()).collect();
            match names.is_empty() {
                true => format!("`{spec}` is not a baseline name or a git ref"),
                false => format!(
                    "`{spec}` is not a baseline name ({}) or a git ref",
                    names.join(", ")
                ),
            }
        })
    };
    let (from, old) = resolve(&args.from)?;
    let report = match &args.to {
        Some(spec) => {
            let (to, new) = resolve(spec)?;
            ChangeReport::new(from, &old, to, &new)
        }
        None => {
            let to = Side {
                label: WORKING_TREE.to_owned(),
                commit: None,
            };
            ChangeReport::new(from, &old, to, &working)
        }
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        DiffFormat::Human => terminal::write(&mut out, &report)?,
        DiffFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        DiffFormat::Markdown => markdown::write(&mut out, &report)?,
    }
    Ok(ExitCode::SUCCESS)
}
