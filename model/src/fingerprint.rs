//! Item fingerprints: the first 8 hex digits of SHA-256 over an item's canonical content.
//!
//! Canonical content is id, kind, title, fields (sorted by name, values as JSON) and body with
//! line endings normalised and trailing whitespace trimmed. Status and links are left out on
//! purpose (docs/format.md): approving an item or adding a link does not make links to it suspect.

use std::fmt;

use sha2::{Digest, Sha256};

/// An item fingerprint, 8 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 4]);

impl Fingerprint {
    /// The fingerprint of an item's canonical content.
    pub fn compute<'a>(
        id: &str,
        kind: &str,
        title: &str,
        fields: impl IntoIterator<Item = (&'a str, &'a serde_json::Value)>,
        body: &str,
    ) -> Fingerprint {
        let mut fields: Vec<_> = fields.into_iter().collect();
        fields.sort_by(|a, b| a.0.cmp(b.0));
        let mut hasher = Sha256::new();
        // NUL separates parts: it cannot occur in YAML text, so no two items collide by shifting
        // text from one part into the next.
        for part in [id, kind, title] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        for (name, value) in fields {
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(value.to_string().as_bytes());
            hasher.update([0]);
        }
        for line in body.trim_end().lines() {
            hasher.update(line.trim_end().as_bytes());
            hasher.update([b'\n']);
        }
        let digest = hasher.finalize();
        Fingerprint([digest[0], digest[1], digest[2], digest[3]])
    }

    /// Parses 8 hex digits (as written in `reviewed:`).
    pub fn parse(text: &str) -> Option<Fingerprint> {
        if text.len() != 8 {
            return None;
        }
        let mut bytes = [0; 4];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Fingerprint(bytes))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let fp = Fingerprint::compute("A-1", "need", "T", [], "body");
        assert_eq!(fp.to_string().len(), 8);
        assert_eq!(Fingerprint::parse(&fp.to_string()), Some(fp));
        assert_eq!(Fingerprint::parse("xyz"), None);
    }

    #[test]
    fn fingerprint_changes_with_title_body_and_fields() {
        let v = serde_json::json!("high");
        let base = Fingerprint::compute("A-1", "need", "T", [("p", &v)], "body");
        assert_ne!(
            base,
            Fingerprint::compute("A-1", "need", "T2", [("p", &v)], "body")
        );
        assert_ne!(
            base,
            Fingerprint::compute("A-1", "need", "T", [("p", &v)], "body2")
        );
        assert_ne!(base, Fingerprint::compute("A-1", "need", "T", [], "body"));
        // Line endings and trailing blanks are not content.
        assert_eq!(
            base,
            Fingerprint::compute("A-1", "need", "T", [("p", &v)], "body  \r\n\n")
        );
    }
}
