//! Item Markdown to safe HTML. Item text comes from anyone who can open a pull request, so the
//! HTML pulldown-cmark produces (raw HTML passes through it) is cleaned by ammonia before it
//! reaches a page: no script, no event handlers, no `javascript:` URLs, no `style`.

use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    // Ammonia's default set already drops script, style and on* attributes; links get
    // rel="noopener noreferrer" and only http(s)/mailto and relative URLs survive.
    builder.url_schemes(["http", "https", "mailto"].into_iter().collect());
    builder
});

/// Renders Markdown to sanitized HTML.
pub fn render_markdown(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    CLEANER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

    #[test]
    fn keeps_formatting_and_drops_script() {
        let html = render_markdown("**shall** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>shall</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
