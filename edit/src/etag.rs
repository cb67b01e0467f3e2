//! Strong ETags of items: any change to the bytes of the item's file changes the tag.

use std::fmt;

use sha2::{Digest, Sha256};

/// A strong validator of one item, as sent in `ETag` and expected in `If-Match`: the first
/// 16 hex digits of SHA-256 over the item id, a NUL and the bytes of its file, in quotes.
///
/// The whole file counts, not just the item: a YAML list holds several items, and an edit of
/// any of them rewrites the file, so a tag over the item alone could hide a concurrent change
/// to the bytes an edit is about to replace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ETag(String);

impl ETag {
    /// The tag of item `id` whose file holds `bytes`.
    pub fn compute(id: &str, bytes: &[u8]) -> ETag {
        let mut hash = Sha256::new();
        hash.update(id.as_bytes());
        hash.update([0]);
        hash.update(bytes);
        let digest = hash.finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        ETag(format!("\"{hex}\""))
    }

    /// A tag as a client sent it (`If-Match`), quotes included.
    pub fn new(value: impl Into<String>) -> ETag {
        ETag(value.into())
    }

    /// The header value, quotes included.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
