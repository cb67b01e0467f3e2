//! Positions in a results file: byte offsets to lines and columns, and the diagnostic for a
//! file that is not UTF-8.

use std::sync::Arc;

use super::HINT_REIMPORT;
use crate::diagnostic::{Diagnostic, Span, codes};

/// Byte offsets to 1-based line and column (columns in characters).
pub(super) struct LineIndex<'a> {
    pub(super) text: &'a str,
    /// Byte offset where each line starts.
    pub(super) starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { text, starts }
    }

    /// Line of byte `offset` (1-based), without counting columns: cheap on the one-line
    /// files some runners write.
    pub(super) fn line(&self, offset: usize) -> u32 {
        to_u32(self.starts.partition_point(|&start| start <= offset).max(1))
    }

    /// Line and column of byte `offset` (clamped to the text; a position inside a character
    /// is that character's).
    pub(super) fn position(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (to_u32(line), to_u32(column))
    }
}

pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(super) fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

pub(super) fn not_utf8(path: &Arc<str>, bytes: &[u8], error: &std::str::Utf8Error) -> Diagnostic {
    let valid_up_to = error.valid_up_to();
    let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    let valid = bytes
        .get(..valid_up_to)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or("");
    let (line, column) = LineIndex::new(valid).position(valid.len());
    let (message, hint) = if utf16 {
        (
            format!("{path} is not JUnit XML that tracebook reads: it is UTF-16 text, not UTF-8"),
            format!("convert it to UTF-8, or {HINT_REIMPORT}"),
        )
    } else if error.error_len().is_none() {
        (
            format!("{path} is not JUnit XML: the file ends in the middle of a character"),
            format!("the file looks truncated; {HINT_REIMPORT}"),
        )
    } else {
        let byte = bytes.get(valid_up_to).copied().unwrap_or(0);
        (
            format!("{path} is not JUnit XML: byte 0x{byte:02X} is not valid UTF-8"),
            format!(
                "JUnit files are UTF-8; a file in another encoding or a damaged file cannot be \
                 read: {HINT_REIMPORT}"
            ),
        )
    };
    Diagnostic::error(
        codes::RESULTS_MALFORMED,
        Span::new(path, line, column),
        message,
    )
    .with_hint(hint)
}
