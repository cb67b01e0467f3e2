//! Where pages live in the site, and the relative links between them.
//!
//! Links name `index.html` explicitly so the site also works from file://, where a folder link
//! shows a directory listing instead of the page.

/// A path segment safe for any file system and URL: kind and link-kind names come from the
/// project's config, so `..` or `/` in them must not escape the site folder.
pub(crate) fn segment(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        format!("_{}", cleaned.len())
    } else {
        cleaned
    }
}

pub(crate) fn item_href(id: &str) -> String {
    format!("items/{}/index.html", segment(id))
}

pub(crate) fn kind_href(kind: &str) -> String {
    format!("kinds/{}/index.html", segment(kind))
}

pub(crate) fn matrix_href(link_kind: &str) -> String {
    format!("matrix/{}/index.html", segment(link_kind))
}

pub(crate) fn baseline_href(name: &str) -> String {
    format!("baselines/{}/index.html", segment(name))
}

pub(crate) const BASELINES_HREF: &str = "baselines/index.html";

pub(crate) const READINESS_HREF: &str = "readiness/index.html";

/// Which part of the site the page at `href` belongs to, for the navigation's current mark:
/// `dashboard`, `search`, `coverage`, `matrices`, `baselines`, `readiness` (the page names of
/// `areas:`), or `kind`, `item`.
pub(crate) fn section_of(href: &str) -> &'static str {
    match href.split('/').next().unwrap_or_default() {
        "index.html" => "dashboard",
        "search" => "search",
        "coverage" => "coverage",
        "matrix" => "matrices",
        "baselines" => "baselines",
        "readiness" => "readiness",
        "kinds" => "kind",
        "items" => "item",
        _ => "",
    }
}

pub(crate) fn rule_href(index: usize) -> String {
    format!("coverage/index.html#rule-{index}")
}

/// The prefix from a page at `href` back to the site root (`items/X/index.html` -> `../../`).
pub(crate) fn root_of(href: &str) -> String {
    "../".repeat(href.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cannot_escape_the_site() {
        assert_eq!(segment("requirement"), "requirement");
        assert_eq!(segment("../etc"), "..-etc");
        assert_eq!(segment(".."), "_2");
        assert_eq!(segment("a/b c"), "a-b-c");
        assert_eq!(root_of("items/X/index.html"), "../../");
        assert_eq!(root_of("index.html"), "");
        assert_eq!(section_of("index.html"), "dashboard");
        assert_eq!(section_of(&matrix_href("verifies")), "matrices");
        assert_eq!(section_of(READINESS_HREF), "readiness");
        assert_eq!(section_of(&baseline_href("R1")), "baselines");
    }
}
