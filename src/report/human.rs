//! rustc-style diagnostics with the offending source line and a caret under the value.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use tracebook_model::{Diagnostic, Project};

/// Prints each diagnostic with its source line. Files are read once, only when they have a
/// problem (the model does not keep the text of every file in memory).
pub(crate) fn human(
    out: &mut impl Write,
    root: &Path,
    diagnostics: &[Diagnostic],
) -> io::Result<()> {
    let mut sources: HashMap<&str, Option<String>> = HashMap::new();
    for d in diagnostics {
        let source = sources.entry(&d.span.file).or_insert_with(|| {
            // Never through a symbolic link: the loaders report links rather than read them,
            // and printing a line of what one points to could leak any file.
            let path = root.join(&*d.span.file);
            let is_file = std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file());
            is_file
                .then(|| std::fs::read(&path).ok())
                .flatten()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        });
        write_one(out, d, source.as_deref())?;
    }
    Ok(())
}

fn write_one(out: &mut impl Write, d: &Diagnostic, source: Option<&str>) -> io::Result<()> {
    writeln!(out, "{}[{}]: {}", d.severity, d.code, d.message)?;
    let line_no = d.span.line.to_string();
    let pad = " ".repeat(line_no.len());
    writeln!(out, "{pad}--> {}", d.span)?;
    let line = source.and_then(|s| s.lines().nth(d.span.line.saturating_sub(1) as usize));
    if let Some(line) = line {
        let col = d.span.column.saturating_sub(1) as usize;
        let width = underline_width(line, col);
        // Indent the caret by the characters before it, keeping tabs so it lines up.
        let lead: String = line
            .chars()
            .take(col)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(out, "{pad} |")?;
        writeln!(out, "{line_no} | {line}")?;
        writeln!(out, "{pad} | {lead}{}", "^".repeat(width))?;
    }
    if let Some(hint) = &d.hint {
        writeln!(out, "{pad} = help: {hint}")?;
    }
    for related in &d.related {
        writeln!(out, "{pad} = note: {}: {}", related.message, related.span)?;
    }
    writeln!(out)
}

/// The length of the token starting at `col`: up to a space or YAML punctuation.
fn underline_width(line: &str, col: usize) -> usize {
    line.chars()
        .skip(col)
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '['))
        .count()
        .max(1)
}

/// `checked N items: E errors, W warnings`.
pub(crate) fn summary(project: &Project) -> String {
    let counts = project.counts();
    format!(
        "checked {} items: {} error{}, {} warning{}",
        project.items.len(),
        counts.errors,
        if counts.errors == 1 { "" } else { "s" },
        counts.warnings,
        if counts.warnings == 1 { "" } else { "s" }
    )
}
