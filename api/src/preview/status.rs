//! `GET /_tracebook/status` (JSON, for the overlay of the live-reload script) and
//! `GET /_tracebook/errors` (the same diagnostics as a plain page: no script, every value
//! escaped, readable when the script is blocked or the site was never built).

use std::fmt::Write;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use super::PreviewState;
use super::hub::Status;

/// The latest build's status.
pub(crate) async fn status(State(state): State<PreviewState>) -> Response {
    no_store(Json(state.hub.status()).into_response())
}

/// The latest build's diagnostics as a page.
pub(crate) async fn errors_page(State(state): State<PreviewState>) -> Response {
    no_store(Html(render(&state.hub.status())).into_response())
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The page: a heading saying how the latest build went, then one entry per diagnostic.
fn render(status: &Status) -> String {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Problems – tracebook preview</title>\n\
         <link rel=\"stylesheet\" href=\"/assets/style.css\">\n</head>\n\
         <body class=\"tb-preview-errors\">\n<main>\n",
    );
    let heading = match (status.build, status.ok) {
        (0, _) => String::from("The first build is running"),
        (n, true) => format!("Build {n} published"),
        (n, false) => format!("Build {n} failed: the preview shows the last good site"),
    };
    let _ = writeln!(page, "<h1>{}</h1>", escape(&heading));
    let _ = writeln!(
        page,
        "<p>{}, {}. <a href=\"/\">Back to the site</a></p>",
        counted(status.errors, "error"),
        counted(status.warnings, "warning")
    );
    if let Some(failure) = &status.failure {
        let _ = writeln!(
            page,
            "<pre class=\"tb-preview-failure\">{}</pre>",
            escape(failure)
        );
    }
    if !status.diagnostics.is_empty() {
        page.push_str("<ol class=\"tb-preview-list\">\n");
        for d in &status.diagnostics {
            let _ = write!(
                page,
                "<li class=\"tb-preview-diagnostic tb-preview-{severity}\">\
                 <p><span class=\"tb-preview-severity\">{severity}</span>[<code>{code}</code>] \
                 <code class=\"tb-preview-where\">{file}:{line}:{column}</code></p>\
                 <p class=\"tb-preview-message\">{message}</p>",
                severity = d.severity,
                code = escape(&d.code),
                file = escape(&d.file),
                line = d.line,
                column = d.column,
                message = escape(&d.message),
            );
            if let Some(help) = &d.help {
                let _ = write!(
                    page,
                    "<p class=\"tb-preview-help\">help: {}</p>",
                    escape(help)
                );
            }
            page.push_str("</li>\n");
        }
        page.push_str("</ol>\n");
    }
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

/// `1 error`, `2 errors`.
fn counted(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Text as HTML text or attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use tracebook_model::Severity;

    use super::*;
    use crate::preview::hub::DiagnosticView;

    #[test]
    fn errors_page_escapes_every_value() {
        let status = Status {
            ok: false,
            build: 3,
            errors: 1,
            warnings: 0,
            failure: None,
            diagnostics: vec![DiagnosticView {
                severity: Severity::Error,
                code: String::from("E0001"),
                file: String::from("content/<b>.md"),
                line: 2,
                column: 5,
                message: String::from("bad <script>alert(1)</script>"),
                help: Some(String::from("use \"quotes\" & <care>")),
            }],
        };
        let page = render(&status);
        assert!(page.contains("content/&lt;b&gt;.md:2:5"), "{page}");
        assert!(page.contains("bad &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("help: use &quot;quotes&quot; &amp; &lt;care&gt;"));
        assert!(!page.contains("<script"));
        assert!(page.contains("Build 3 failed"));
    }
}
