//! `tracebook gate`: the release readiness checklist, for a terminal, a CI log, tools (json) or
//! a CI job summary (markdown). Exit 0: ready; 1: not ready; 2: the project could not be read.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use tracebook_generator::git::Repo;
use tracebook_generator::resolve_side;
use tracebook_model::Project;
use tracebook_model::readiness::{self, Readiness};

use crate::cli::{GateArgs, GateFormat};
use crate::report::escape_markdown as escape;

pub(crate) fn gate(args: &GateArgs) -> Result<ExitCode> {
    let working = crate::commands::load(&args.root)?;
    let (label, commit, project) = match &args.baseline {
        None => (
            "working tree".to_owned(),
            tracebook_generator::git::head_label(&args.root),
            working,
        ),
        Some(name) => at_baseline(args, &working, name)?,
    };
    let readiness = readiness::evaluate(&project);
    let title = if project.config.project.is_empty() {
        "tracebook"
    } else {
        project.config.project.as_str()
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        GateFormat::Human => human(&mut out, title, &label, &readiness)?,
        GateFormat::Markdown => markdown(&mut out, title, &label, &readiness)?,
        GateFormat::Json => {
            let json = serde_json::json!({
                "project": title,
                "evaluated": label,
                "commit": commit,
                "ready": readiness.ready(),
                "configured": readiness.configured,
                "rules": readiness.rules,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
    }
    Ok(if readiness.ready() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::commands::FAILED)
    })
}

/// The project at baseline `name`: its label, commit and project.
fn at_baseline(
    args: &GateArgs,
    working: &Project,
    name: &str,
) -> Result<(String, Option<String>, Project)> {
    if !working.baselines.iter().any(|b| b.name == name) {
        let names: Vec<&str> = working.baselines.iter().map(|b| b.name.as_str()).collect();
        bail!(
            "there is no baseline `{name}` in baselines/ (known: {})",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        );
    }
    let Some(repo) = Repo::discover(&args.root)
        .with_context(|| format!("opening the git repository of {}", args.root.display()))?
    else {
        bail!(
            "{} is not in a git repository: a baseline is read from git at its ref",
            args.root.display()
        );
    };
    let (side, project) = resolve_side(&repo, working, name)
        .with_context(|| format!("reading baseline {name} from git"))?;
    Ok((format!("baseline {}", side.label), side.commit, project))
}

/// Failures listed per rule before "… and N more".
const SHOWN: usize = 20;

fn human(out: &mut impl Write, title: &str, label: &str, readiness: &Readiness) -> Result<()> {
    writeln!(out, "Release readiness of {title} ({label})")?;
    if !readiness.configured {
        writeln!(
            out,
            "  (default rules: add `readiness:` to tracebook.yaml to choose your own)"
        )?;
    }
    for rule in &readiness.rules {
        let mark = if rule.passed { "PASS" } else { "FAIL" };
        writeln!(out, "  [{mark}] {} ({} checked)", rule.label, rule.checked)?;
        for failure in rule.failures.iter().take(SHOWN) {
            let id = failure
                .id
                .as_deref()
                .map(|id| format!("{id}: "))
                .unwrap_or_default();
            let at = failure.location.as_deref().unwrap_or("");
            writeln!(out, "         {at}: {id}{}", failure.message)?;
        }
        if rule.failures.len() > SHOWN {
            writeln!(out, "         … and {} more", rule.failures.len() - SHOWN)?;
        }
    }
    if readiness.ready() {
        writeln!(out, "READY: all {} rules pass", readiness.rules.len())?;
    } else {
        writeln!(
            out,
            "NOT READY: {} of {} rules fail",
            readiness.failed(),
            readiness.rules.len()
        )?;
    }
    Ok(())
}

fn markdown(out: &mut impl Write, title: &str, label: &str, readiness: &Readiness) -> Result<()> {
    let verdict = if readiness.ready() {
        "✅ Ready".to_owned()
    } else {
        format!(
            "❌ Not ready: {} of {} rules fail",
            readiness.failed(),
            readiness.rules.len()
        )
    };
    writeln!(
        out,
        "### Release readiness of {} ({label}): {verdict}\n",
        escape(title)
    )?;
    for rule in &readiness.rules {
        let mark = if rule.passed { "x" } else { " " };
        writeln!(
            out,
            "- [{mark}] {} ({} checked)",
            escape(&rule.label),
            rule.checked
        )?;
        for failure in rule.failures.iter().take(SHOWN) {
            let id = failure
                .id
                .as_deref()
                .map(|id| format!("**{id}** "))
                .unwrap_or_default();
            let at = failure.location.as_deref().unwrap_or("");
            writeln!(out, "  - {id}{} (`{at}`)", escape(&failure.message))?;
        }
        if rule.failures.len() > SHOWN {
            writeln!(out, "  - … and {} more", rule.failures.len() - SHOWN)?;
        }
    }
    Ok(())
}
