//! A short summary for a pull-request comment: counts, the changed items, impact and
//! coverage before and after. GitHub renders it; it stays readable as plain text.

use std::io::{self, Write};

use tracebook_model::{ChangeReport, ChangeSet};

use crate::report::escape_markdown as escape;

/// At most this many items are named per list; the rest are counted.
const MAX_LISTED: usize = 25;

pub(super) fn write(out: &mut impl Write, report: &ChangeReport) -> io::Result<()> {
    write_counts(out, report)?;
    write_changed_items(out, &report.changes)?;
    write_impacted(out, report)?;
    write_coverage(out, report)
}

/// The heading and the table of counts.
fn write_counts(out: &mut impl Write, report: &ChangeReport) -> io::Result<()> {
    let changes = &report.changes;
    let suspect: usize = report.impact.iter().map(|i| i.suspect.len()).sum();
    writeln!(
        out,
        "### tracebook: {} → {}\n",
        escape(&report.from.label),
        escape(&report.to.label)
    )?;
    writeln!(
        out,
        "| Added | Removed | Modified | Downstream of a change | Suspect links |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|")?;
    writeln!(
        out,
        "| {} | {} | {} | {} | {} |\n",
        changes.added.len(),
        changes.removed.len(),
        changes.modified.len(),
        report.impacted_count(),
        suspect
    )
}

/// One line each for the added, removed and modified items.
fn write_changed_items(out: &mut impl Write, changes: &ChangeSet) -> io::Result<()> {
    let lists = [
        (
            "Added",
            changes
                .added
                .iter()
                .map(|s| (&s.id, &s.title))
                .collect::<Vec<_>>(),
        ),
        (
            "Removed",
            changes.removed.iter().map(|s| (&s.id, &s.title)).collect(),
        ),
        (
            "Modified",
            changes
                .modified
                .iter()
                .map(|c| (&c.item.id, &c.item.title))
                .collect(),
        ),
    ];
    for (title, items) in lists {
        if items.is_empty() {
            continue;
        }
        let mut names: Vec<String> = items
            .iter()
            .take(MAX_LISTED)
            .map(|(id, t)| format!("`{id}` {}", escape(t)))
            .collect();
        if items.len() > MAX_LISTED {
            names.push(format!("and {} more", items.len() - MAX_LISTED));
        }
        writeln!(out, "**{title}:** {}\n", names.join(", "))?;
    }
    Ok(())
}

/// The changed items with something downstream.
fn write_impacted(out: &mut impl Write, report: &ChangeReport) -> io::Result<()> {
    let mut impacted: Vec<&str> = report
        .impact
        .iter()
        .filter(|i| i.count() > 0)
        .map(|i| i.id.as_str())
        .collect();
    if impacted.is_empty() {
        return Ok(());
    }
    let more = impacted.len().saturating_sub(MAX_LISTED);
    impacted.truncate(MAX_LISTED);
    let mut line = impacted
        .iter()
        .map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        line.push_str(&format!(" and {more} more"));
    }
    writeln!(out, "**Changes with downstream impact:** {line}\n")
}

/// Coverage per rule, before and after.
fn write_coverage(out: &mut impl Write, report: &ChangeReport) -> io::Result<()> {
    if report.coverage.is_empty() {
        return Ok(());
    }
    writeln!(out, "| Coverage rule | Before | After |")?;
    writeln!(out, "|---|---:|---:|")?;
    for c in &report.coverage {
        let share = |(n, t): (usize, usize)| {
            format!("{n}/{t} ({}%)", (n * 100).checked_div(t).unwrap_or(100))
        };
        let before = c.before.map_or_else(|| "–".to_owned(), share);
        writeln!(
            out,
            "| {} `{}` | {before} | {} |",
            c.kind,
            c.rule,
            share(c.after)
        )?;
    }
    Ok(())
}
