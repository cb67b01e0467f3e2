//! Pages the server renders itself (sign-in, MFA, first-run setup, the edit form): tera
//! templates embedded from `api/templates/`, sharing `layout.html`. Like the theme, they have no
//! inline script or style, so the strict CSP holds; autoescaping is on for `.html`.

use std::sync::LazyLock;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use include_dir::{Dir, include_dir};

static TEMPLATE_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

static TEMPLATES: LazyLock<Result<tera::Tera, String>> = LazyLock::new(|| {
    let mut tera = tera::Tera::new();
    tera.autoescape_on(vec![".html"]);
    let templates = TEMPLATE_DIR.files().filter_map(|file| {
        let name = file.path().to_str()?.to_owned();
        let text = file.contents_utf8()?.to_owned();
        Some((name, text))
    });
    tera.add_raw_templates(templates.collect::<Vec<_>>())
        .map_err(|err| format!("{err:?}"))?;
    Ok(tera)
});

/// Renders `template` with `context` as an HTML response with `status`.
pub(crate) fn render(status: StatusCode, template: &str, context: &tera::Context) -> Response {
    let rendered = TEMPLATES.as_ref().map_err(Clone::clone).and_then(|tera| {
        tera.render(template, context)
            .map_err(|err| format!("{err:?}"))
    });
    match rendered {
        // Sign-in pages and recovery codes must not stay in a cache.
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(detail) => {
            tracing::error!(template, %detail, "rendering a server page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A context with the page title set (every template's layout shows it).
pub(crate) fn context(title: &str) -> tera::Context {
    let mut context = tera::Context::new();
    context.insert("title", title);
    // The layout reads these on every page; pages that have them overwrite the defaults.
    context.insert("user", &None::<String>);
    context.insert("error", &None::<String>);
    context.insert("csrf_token", "");
    context
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses() {
        if let Err(err) = super::TEMPLATES.as_ref() {
            panic!("{err}");
        }
    }
}
