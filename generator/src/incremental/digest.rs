//! Content digests of everything a site file is made from. Two builds that give a file the
//! same digest write the same bytes, so an incremental build renders only files whose digest
//! changed. 128 bits of BLAKE3: a collision would silently keep a stale page, so not a 64-bit
//! hash.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The digest of one site file's inputs.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Digest([u8; 16]);

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{self:?}"))
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <&str>::deserialize(deserializer)?;
        let mut bytes = [0u8; 16];
        if text.len() != 32 || !text.is_ascii() {
            return Err(serde::de::Error::custom("a digest is 32 hex digits"));
        }
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)
                .map_err(serde::de::Error::custom)?;
        }
        Ok(Digest(bytes))
    }
}

/// Feeds values into one digest. Values go in as JSON (serde), so every field a template can
/// see is covered without listing fields by hand. Everything is gathered in one buffer and
/// hashed at the end: BLAKE3 is several times faster on one long input than on many tiny ones.
pub(crate) struct Digester(Vec<u8>);

impl Digester {
    /// A digester for a file of kind `what` (a template name, "asset", ...), seeded with
    /// `seed` (the theme's digest for pages).
    pub(crate) fn new(what: &str, seed: Option<Digest>) -> Digester {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(what.as_bytes());
        buf.push(0);
        if let Some(seed) = seed {
            buf.extend_from_slice(&seed.0);
        }
        Digester(buf)
    }

    /// Adds a value (as its JSON form, then a separator that JSON never contains).
    pub(crate) fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> &mut Self {
        // Writing into a Vec cannot fail, and the values are plain data; a serializer error
        // (a map with non-string keys) would be a bug caught by every build's tests.
        serde_json::to_writer(&mut self.0, value).expect("digest values serialize to JSON");
        self.0.push(0xff);
        self
    }

    /// Adds raw bytes (length-prefixed, so consecutive parts cannot blur).
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    /// Adds another digest.
    pub(crate) fn digest(&mut self, digest: Digest) -> &mut Self {
        self.0.extend_from_slice(&digest.0);
        self
    }

    /// The digest of two digests.
    pub(crate) fn pair(a: Digest, b: Digest) -> Digest {
        let mut buf = [0u8; 32];
        buf[..16].copy_from_slice(&a.0);
        buf[16..].copy_from_slice(&b.0);
        of_bytes(&buf)
    }

    pub(crate) fn finish(&self) -> Digest {
        let mut out = [0u8; 16];
        out.copy_from_slice(&blake3::hash(&self.0).as_bytes()[..16]);
        Digest(out)
    }
}

/// The digest of a file that is written as it is (an asset, a search index file).
pub(crate) fn of_bytes(bytes: &[u8]) -> Digest {
    let mut out = [0u8; 16];
    out.copy_from_slice(&blake3::hash(bytes).as_bytes()[..16]);
    Digest(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_round_trip_as_hex_and_tell_values_apart() {
        let a = Digester::new("item.html", None)
            .value("a")
            .value("bc")
            .finish();
        let b = Digester::new("item.html", None)
            .value("ab")
            .value("c")
            .finish();
        assert_ne!(a, b);
        let json = serde_json::to_string(&a).expect("serialize");
        assert_eq!(json.len(), 34);
        let back: Digest = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, a);
        assert_ne!(of_bytes(b"x"), of_bytes(b"y"));
    }
}
