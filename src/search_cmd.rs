//! `tracebook search`: brings the project's search index up to date (fast when nothing changed),
//! runs one query and prints the ranked hits and the counts per kind and status. Also the
//! search-index step of `tracebook build`. The search benchmark is `generator/benches/search.rs`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use tracebook_generator::{SearchIndex, SearchQuery, SearchResults, Snippet};
use tracebook_model::Project;

use crate::cli::{SearchArgs, SearchFormat};

pub(crate) fn search(options: SearchArgs) -> Result<ExitCode> {
    let root = &options.root;
    let project = crate::commands::load(root)?;
    let index = SearchIndex::open(root)?;
    let synced = Instant::now();
    let report = index.sync(&project)?;
    let sync_time = synced.elapsed();
    tracing::debug!(?report, ?sync_time, "search index synced");
    let query = SearchQuery {
        text: options.query.clone(),
        kind: options.kind.clone(),
        status: options.status.clone(),
        limit: options.limit,
    };
    let results = index.search(&query)?;
    let mut stdout = std::io::stdout().lock();
    match options.format {
        SearchFormat::Json => writeln!(stdout, "{}", serde_json::to_string_pretty(&results)?)?,
        SearchFormat::Human => {
            let marks = if std::io::stdout().is_terminal() {
                ("\x1b[1m", "\x1b[22m")
            } else {
                ("[", "]")
            };
            print_human(&mut stdout, &options.query, &results, marks)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The search-index step of `tracebook build`: silent when it works; a failure is a warning,
/// because the site itself was published.
pub(crate) fn update_after_build(root: &Path, project: &Project) {
    if let Err(err) = tracebook_generator::sync_search_index(root, project) {
        let mut message = format!("warning: the search index was not updated: {err}");
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(&format!("\n  caused by: {cause}"));
            source = cause.source();
        }
        eprintln!("{message}");
    }
}

/// Hits, one per block: `ID  kind  status  title`, then the snippet with the matched words
/// between `marks`; then the counts per kind and status.
fn print_human(
    out: &mut impl Write,
    query: &str,
    results: &SearchResults,
    marks: (&str, &str),
) -> std::io::Result<()> {
    let shown = results.hits.len();
    let query = printable(query);
    let what = if results.total == 1 { "item" } else { "items" };
    match (results.total, results.fuzzy) {
        (0, true) => write!(out, "no item matches {query:?}, not even approximately")?,
        (0, false) => write!(out, "no item matches {query:?}")?,
        (total, true) => write!(
            out,
            "no item matches {query:?} exactly; {total} {what} match approximately"
        )?,
        (total, false) => write!(out, "{total} {what} match {query:?}")?,
    }
    if shown < results.total {
        write!(out, " (showing {shown})")?;
    }
    writeln!(out)?;
    for hit in &results.hits {
        writeln!(
            out,
            "\n{}  {}  {}  {}",
            printable(&hit.id),
            printable(&hit.kind),
            printable(&hit.status),
            printable(&hit.title)
        )?;
        if !hit.snippet.text.is_empty() {
            writeln!(out, "    {}", marked(&hit.snippet, marks))?;
        }
    }
    if results.total > 0 {
        writeln!(
            out,
            "\nkind: {}\nstatus: {}",
            counts(&results.facets.kind),
            counts(&results.facets.status)
        )?;
    }
    Ok(())
}

fn marked(snippet: &Snippet, (open, close): (&str, &str)) -> String {
    let mut text = String::new();
    for (part, is_hit) in snippet.parts() {
        if is_hit {
            text.push_str(open);
        }
        text.push_str(&printable(part));
        if is_hit {
            text.push_str(close);
        }
    }
    text
}

fn counts(facet: &std::collections::BTreeMap<String, u64>) -> String {
    let mut pairs: Vec<_> = facet.iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    pairs
        .iter()
        .map(|(name, count)| format!("{} {count}", printable(name)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Item text is untrusted: control characters (terminal escape sequences) are replaced.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}
