//! Snippets: the best fragment of a hit's body with the matched words marked, as plain text
//! plus byte ranges. Item text is untrusted: nothing here produces markup except
//! [`Snippet::to_html`], which escapes every character of the text it wraps.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;

use super::schema::tokens;

/// Longest snippet, in bytes.
const SNIPPET_LEN: usize = 160;

/// A fragment of an item's body (plain text, never markup) and the parts of it that matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// The fragment, with line breaks turned into spaces.
    pub text: String,
    /// Matched words as byte ranges into `text` (UTF-8), in order, not overlapping, on
    /// character boundaries.
    pub highlights: Vec<Highlight>,
}

/// A byte range `start..end` of [`Snippet::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Highlight {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Snippet {
    /// The text cut into `(part, is_highlighted)` pieces, in order: what a renderer walks to
    /// build text nodes and `<mark>` elements.
    pub fn parts(&self) -> Vec<(&str, bool)> {
        let mut parts = Vec::new();
        let mut at = 0;
        for range in &self.highlights {
            let (Some(before), Some(hit)) = (
                self.text.get(at..range.start),
                self.text.get(range.start..range.end),
            ) else {
                continue; // not on the text: cannot come from `make`, skipped rather than panic
            };
            if !before.is_empty() {
                parts.push((before, false));
            }
            parts.push((hit, true));
            at = range.end;
        }
        if let Some(rest) = self.text.get(at..).filter(|rest| !rest.is_empty()) {
            parts.push((rest, false));
        }
        parts
    }

    /// The snippet as HTML: every character of the text escaped, matches in `<mark>`.
    pub fn to_html(&self) -> String {
        let mut html = String::with_capacity(self.text.len() + 16);
        for (part, is_hit) in self.parts() {
            if is_hit {
                html.push_str("<mark>");
            }
            escape_into(part, &mut html);
            if is_hit {
                html.push_str("</mark>");
            }
        }
        html
    }
}

fn escape_into(text: &str, out: &mut String) {
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
}

/// Makes snippets for the hits of one query.
pub(super) struct Snippets {
    /// Body terms of the query (words, phrase words, fuzzy expansions), with tantivy's weights.
    terms: BTreeMap<String, f32>,
    prefixes: Vec<String>,
    analyzer: TextAnalyzer,
    field: Field,
}

impl Snippets {
    pub(super) fn new(
        terms: BTreeMap<String, f32>,
        prefixes: Vec<String>,
        analyzer: TextAnalyzer,
        field: Field,
    ) -> Snippets {
        Snippets {
            terms,
            prefixes,
            analyzer,
            field,
        }
    }

    /// The snippet of `body`: tantivy's best fragment around the matched words, or the start of
    /// the body when the item matched elsewhere (id, title, fields).
    pub(super) fn make(&mut self, body: &str) -> Snippet {
        let mut terms = self.terms.clone();
        if !self.prefixes.is_empty() {
            // Prefixes match many terms; only this body's words that start with one count here.
            for word in tokens(&mut self.analyzer, body) {
                if self.prefixes.iter().any(|p| word.starts_with(p.as_str())) {
                    terms.insert(word, 1.0);
                }
            }
        }
        if !terms.is_empty() {
            let generator =
                SnippetGenerator::new(terms, self.analyzer.clone(), self.field, SNIPPET_LEN);
            let snippet = generator.snippet(body);
            if !snippet.highlighted().is_empty() {
                return Snippet {
                    text: flatten(snippet.fragment()),
                    highlights: snippet
                        .highlighted()
                        .iter()
                        .map(|r| Highlight {
                            start: r.start,
                            end: r.end,
                        })
                        .collect(),
                };
            }
        }
        Snippet {
            text: flatten(start_of(body)),
            highlights: Vec::new(),
        }
    }
}

/// Line breaks and tabs become spaces: one byte for one, so ranges stay valid.
fn flatten(text: &str) -> String {
    text.replace(['\n', '\r', '\t'], " ")
}

/// The first [`SNIPPET_LEN`] bytes of `text`, cut at a space when there is one.
fn start_of(text: &str) -> &str {
    if text.len() <= SNIPPET_LEN {
        return text;
    }
    let mut end = SNIPPET_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    match head.rfind(char::is_whitespace) {
        Some(space) if space > SNIPPET_LEN / 2 => head[..space].trim_end(),
        _ => head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_text_and_marks_hits() {
        let snippet = Snippet {
            text: "<script>alert('x')</script> & occlusion".to_owned(),
            highlights: vec![Highlight { start: 30, end: 39 }],
        };
        assert_eq!(
            snippet.to_html(),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; <mark>occlusion</mark>"
        );
    }

    #[test]
    fn start_of_cuts_at_a_space_on_a_char_boundary() {
        let text = "é".repeat(200);
        assert!(start_of(&text).len() <= SNIPPET_LEN);
        let words = "word ".repeat(100);
        assert!(start_of(&words).ends_with("word"));
    }
}
