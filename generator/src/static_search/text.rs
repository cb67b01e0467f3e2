//! Text for the static index: the tokenizer (mirrored exactly by `themes/default/static/search.js`,
//! which reads the stop words and the length limit from the manifest) and plain text from an
//! item's Markdown body, for indexing and for the result snippet.

use pulldown_cmark::{Event, Options, Parser, TagEnd};

/// Words too common to be worth a posting list. Short on purpose: requirement language such as
/// "not", "no" or "shall" stays searchable. The page script gets this list from the manifest.
pub(crate) const STOP_WORDS: [&str; 26] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it", "its",
    "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with",
];

/// Longer tokens (hashes, run-together identifiers) are not indexed; the page script treats a
/// longer query word as a prefix of its first `MAX_TERM_CHARS` characters.
pub(crate) const MAX_TERM_CHARS: usize = 40;

/// Characters of plain body text kept as an item's summary (the result snippet).
pub(crate) const SUMMARY_CHARS: usize = 200;

/// Lowercases `text` and splits it on every character that is not alphanumeric; drops stop
/// words and tokens over [`MAX_TERM_CHARS`]. The page script does the same with
/// `toLowerCase()` and `/[^\p{Alphabetic}\p{N}]+/u`, which is what `char::is_alphanumeric` tests.
pub(crate) fn tokens(text: &str, mut each: impl FnMut(&str)) {
    let lower = text.to_lowercase();
    for token in lower.split(|c: char| !c.is_alphanumeric()) {
        if is_term(token) {
            each(token);
        }
    }
}

/// A token worth indexing: not empty, not a stop word, not too long.
pub(crate) fn is_term(token: &str) -> bool {
    !token.is_empty() && token.chars().nth(MAX_TERM_CHARS).is_none() && !STOP_WORDS.contains(&token)
}

/// An id as one term: lowercased and whole (`sys-014`), so that typing the exact id finds the
/// item and ranks it first. `None` when it is too long to be a term.
pub(crate) fn whole_id(id: &str) -> Option<String> {
    let lower = id.to_lowercase();
    (!lower.is_empty() && lower.chars().nth(MAX_TERM_CHARS).is_none()).then_some(lower)
}

/// The words of a Markdown body, without markup: text and code spans, one space between blocks.
/// Raw HTML is dropped (it is not shown on the page either, once sanitized, or only as markup).
pub(crate) fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => out.push(' '),
            _ => {}
        }
    }
    out
}

/// The first [`SUMMARY_CHARS`] characters of `plain`, whitespace collapsed, cut at a word
/// boundary with "…" when cut.
pub(crate) fn summary(plain: &str) -> String {
    let mut out = String::with_capacity(SUMMARY_CHARS + 4);
    let mut chars = 0;
    for word in plain.split_whitespace() {
        let len = word.chars().count();
        if chars + len + usize::from(chars > 0) > SUMMARY_CHARS {
            if chars == 0 {
                out.extend(word.chars().take(SUMMARY_CHARS));
            }
            out.push('…');
            return out;
        }
        if chars > 0 {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        chars += len;
    }
    out
}
