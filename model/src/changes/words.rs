//! Word-level text diffs (`similar`), as segments a page or a terminal can mark up.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// What a segment of a word diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffOp {
    /// In both texts.
    Equal,
    /// Only in the new text.
    Insert,
    /// Only in the old text.
    Delete,
}

/// A run of text with one [`DiffOp`]; adjacent words with the same op are merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Equal, inserted or deleted.
    pub op: DiffOp,
    /// The text, whitespace included, as written.
    pub text: String,
}

/// The word diff of `old` to `new`: concatenating the Equal+Delete segments gives `old`,
/// Equal+Insert gives `new`.
///
/// Words are Unicode word boundaries, so a changed full stop or hyphenated id part does not
/// mark the whole neighbouring word.
///
/// ```
/// use tracebook_model::{DiffOp, word_diff};
///
/// let segments = word_diff("raise an alarm within 30 s", "raise an alarm within 10 s");
/// assert_eq!(segments[1].op, DiffOp::Delete);
/// assert_eq!(segments[1].text, "30");
/// ```
pub fn word_diff(old: &str, new: &str) -> Vec<Segment> {
    let diff = TextDiff::from_unicode_words(old, new);
    let mut segments: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => DiffOp::Equal,
            ChangeTag::Insert => DiffOp::Insert,
            ChangeTag::Delete => DiffOp::Delete,
        };
        match segments.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => segments.push(Segment {
                op,
                text: change.value().to_owned(),
            }),
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn side(segments: &[Segment], keep: DiffOp) -> String {
        segments
            .iter()
            .filter(|s| s.op == DiffOp::Equal || s.op == keep)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn marks_changed_words_only() {
        let segments = word_diff("the pump shall stop", "the pump must stop");
        let ops: Vec<_> = segments.iter().map(|s| (s.op, s.text.as_str())).collect();
        assert_eq!(
            ops,
            [
                (DiffOp::Equal, "the pump "),
                (DiffOp::Delete, "shall"),
                (DiffOp::Insert, "must"),
                (DiffOp::Equal, " stop"),
            ]
        );
    }

    #[test]
    fn empty_sides() {
        assert!(word_diff("", "").is_empty());
        let added = word_diff("", "new text");
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].op, DiffOp::Insert);
    }

    proptest! {
        #[test]
        fn segments_rebuild_both_texts(old in "[a-c .,\n\u{e9}]{0,40}", new in "[a-c .,\n\u{e9}]{0,40}") {
            let segments = word_diff(&old, &new);
            prop_assert_eq!(side(&segments, DiffOp::Delete), old);
            prop_assert_eq!(side(&segments, DiffOp::Insert), new);
            prop_assert!(segments.windows(2).all(|w| w[0].op != w[1].op));
            prop_assert!(segments.iter().all(|s| !s.text.is_empty()));
        }
    }
}
