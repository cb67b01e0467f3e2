//! The full change report for a terminal, word diffs marked like `git diff --word-diff=plain`
//! (`[-old-]{+new+}`), so it reads the same with or without colours.

use std::io::{self, Write};

use tracebook_model::{ChangeReport, ChangeSet, DiffOp, Segment};

/// Unchanged text longer than this is shortened around the changes in a body diff.
const CONTEXT: usize = 60;

pub(super) fn write(out: &mut impl Write, report: &ChangeReport) -> io::Result<()> {
    let changes = &report.changes;
    writeln!(
        out,
        "changes {} -> {}: {} added, {} removed, {} modified; {} items downstream of a change",
        report.from.label,
        report.to.label,
        changes.added.len(),
        changes.removed.len(),
        changes.modified.len(),
        report.impacted_count()
    )?;
    write_added_removed(out, changes)?;
    write_modified(out, changes)?;
    write_impact(out, report)?;
    write_coverage(out, report)
}

fn write_added_removed(out: &mut impl Write, changes: &ChangeSet) -> io::Result<()> {
    for (title, sign, items) in [
        ("added", '+', &changes.added),
        ("removed", '-', &changes.removed),
    ] {
        if !items.is_empty() {
            writeln!(out, "\n{title}:")?;
        }
        for s in items {
            writeln!(
                out,
                "  {sign} {}  {} ({}, {})  {}",
                s.id, s.title, s.kind, s.status, s.file
            )?;
        }
    }
    Ok(())
}

/// Each modified item with its new fingerprint, move, and word diffs of fields and body.
fn write_modified(out: &mut impl Write, changes: &ChangeSet) -> io::Result<()> {
    if !changes.modified.is_empty() {
        writeln!(out, "\nmodified:")?;
    }
    for c in &changes.modified {
        write!(out, "  ~ {}  {}", c.item.id, c.item.title)?;
        if c.old_fingerprint != c.new_fingerprint {
            write!(out, "  [{} -> {}]", c.old_fingerprint, c.new_fingerprint)?;
        }
        writeln!(out)?;
        if let Some(from) = &c.moved_from {
            writeln!(out, "      moved: {from} -> {}", c.item.file)?;
        }
        for f in &c.fields {
            writeln!(out, "      {}: {}", f.name, plain(&f.words, usize::MAX))?;
        }
        if let Some(body) = &c.body {
            writeln!(
                out,
                "      body: {}",
                plain(body, CONTEXT).replace('\n', "\n            ")
            )?;
        }
    }
    Ok(())
}

fn write_impact(out: &mut impl Write, report: &ChangeReport) -> io::Result<()> {
    if !report.impact.is_empty() {
        writeln!(out, "\nimpact:")?;
    }
    for impact in &report.impact {
        writeln!(out, "  {} ({} downstream)", impact.id, impact.count())?;
        for g in &impact.groups {
            let ids: Vec<&str> = g.items.iter().map(|i| i.id.as_str()).collect();
            writeln!(out, "      {}: {}", g.title, ids.join(", "))?;
        }
        for s in &impact.suspect {
            writeln!(out, "      suspect: {} {} {}", s.source, s.link, s.target)?;
        }
    }
    Ok(())
}

fn write_coverage(out: &mut impl Write, report: &ChangeReport) -> io::Result<()> {
    if !report.coverage.is_empty() {
        writeln!(out, "\ncoverage:")?;
    }
    for c in &report.coverage {
        let before = c
            .before
            .map_or_else(|| "-".to_owned(), |(n, t)| format!("{n}/{t}"));
        writeln!(
            out,
            "  {} {}: {before} -> {}/{}",
            c.kind, c.rule, c.after.0, c.after.1
        )?;
    }
    Ok(())
}

/// `[-deleted-]{+inserted+}` with equal runs longer than `context` shortened to their ends.
fn plain(segments: &[Segment], context: usize) -> String {
    let mut text = String::new();
    for (i, s) in segments.iter().enumerate() {
        match s.op {
            DiffOp::Delete => text.push_str(&format!("[-{}-]", s.text)),
            DiffOp::Insert => text.push_str(&format!("{{+{}+}}", s.text)),
            DiffOp::Equal => {
                text.push_str(&shorten(&s.text, context, i == 0, i + 1 == segments.len()))
            }
        }
    }
    text
}

/// Keeps `context` characters of unchanged text next to each change.
fn shorten(text: &str, context: usize, first: bool, last: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let keep_head = if first { 0 } else { context };
    let keep_tail = if last { 0 } else { context };
    if context == usize::MAX || chars.len() <= keep_head + keep_tail + 5 {
        return text.to_owned();
    }
    let head: String = chars[..keep_head].iter().collect();
    let tail: String = chars[chars.len() - keep_tail..].iter().collect();
    format!("{head}…{tail}")
}
