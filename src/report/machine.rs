//! Diagnostics for CI and tools: JSON lines, GitHub Actions annotations, SARIF 2.1.0.

use std::io::{self, Write};

use serde_json::{Value, json};
use tracebook_model::Diagnostic;
use tracebook_model::diagnostic::codes;

/// The flat JSON shape of one diagnostic.
fn to_json(d: &Diagnostic) -> Value {
    let mut object = json!({
        "file": d.span.file,
        "line": d.span.line,
        "column": d.span.column,
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
    });
    if let Some(hint) = &d.hint {
        object["hint"] = hint.as_str().into();
    }
    if !d.related.is_empty() {
        object["related"] = d
            .related
            .iter()
            .map(|r| json!({ "file": r.span.file, "line": r.span.line, "column": r.span.column, "message": r.message }))
            .collect();
    }
    object
}

/// One JSON object per line.
pub(crate) fn json_lines(out: &mut impl Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    for d in diagnostics {
        writeln!(out, "{}", to_json(d))?;
    }
    Ok(())
}

/// GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=CODE::message`.
pub(crate) fn github(out: &mut impl Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    for d in diagnostics {
        let message = match &d.hint {
            Some(hint) => format!("{} ({hint})", d.message),
            None => d.message.clone(),
        };
        writeln!(
            out,
            "::{} file={},line={},col={},title={}::{}",
            d.severity,
            escape_property(&d.span.file),
            d.span.line,
            d.span.column,
            escape_property(&format!("tracebook {}", d.code)),
            escape_data(&message)
        )?;
    }
    Ok(())
}

/// Escaping of workflow-command data (GitHub's toolkit `escapeData`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of workflow-command properties (GitHub's toolkit `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A SARIF 2.1.0 log with one run.
pub(crate) fn sarif(out: &mut impl Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    let rules: Vec<Value> = codes::ALL.iter().map(|c| json!({ "id": c })).collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let text = match &d.hint {
                Some(hint) => format!("{} ({hint})", d.message),
                None => d.message.clone(),
            };
            json!({
                "ruleId": d.code,
                "ruleIndex": codes::ALL.iter().position(|c| *c == d.code),
                "level": d.severity.as_str(),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": d.span.file, "uriBaseId": "%SRCROOT%" },
                        "region": { "startLine": d.span.line, "startColumn": d.span.column }
                    }
                }]
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "tracebook",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "results": results
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
