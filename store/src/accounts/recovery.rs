//! MFA recovery codes: ten per enrollment, each 12 characters in three groups
//! (`k7qd-3mzp-x9fa`), shown once and stored only as SHA-256.
//!
//! The alphabet is Crockford's base32 in lower case: digits and letters without `i`, `l`, `o`
//! and `u`, so a code read off paper has no look-alikes; typed `o`, `i` and `l` are read as
//! `0`, `1` and `1`, as Crockford specifies. 12 characters of 5 bits give 60 random bits.
//!
//! A fast hash is fine here, unlike for passwords: a code is 60 uniformly random bits, not a
//! human choice, so there is no dictionary to try and guessing one from its hash takes about
//! 2^59 SHA-256 evaluations. (Whoever reads the database has the TOTP secret in any case.)

use super::token::sha256_hex;
use super::{Error, Result};

/// How many codes an enrollment gets.
pub(super) const CODES_PER_ENROLLMENT: usize = 10;
/// Crockford's base32 alphabet, lower case; 32 symbols, so a random byte's low 5 bits map to
/// one without bias.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Characters per group and groups per code.
const GROUP_LEN: usize = 4;
const GROUPS: usize = 3;
const CODE_LEN: usize = GROUP_LEN * GROUPS;

/// A fresh set of [`CODES_PER_ENROLLMENT`] codes, in display form (`k7qd-3mzp-x9fa`).
pub(super) fn generate_codes() -> Result<Vec<String>> {
    (0..CODES_PER_ENROLLMENT).map(|_| generate_code()).collect()
}

fn generate_code() -> Result<String> {
    let mut bytes = [0u8; CODE_LEN];
    getrandom::fill(&mut bytes).map_err(|e| Error::Hash(format!("random recovery code: {e}")))?;
    let mut code = String::with_capacity(CODE_LEN + GROUPS - 1);
    for (index, byte) in bytes.iter().enumerate() {
        if index > 0 && index % GROUP_LEN == 0 {
            code.push('-');
        }
        code.push(char::from(ALPHABET[usize::from(byte & 0x1f)]));
    }
    Ok(code)
}

/// The canonical form of a code as typed (12 lowercase alphabet characters, no dashes), or
/// `None` if it cannot be one. Accepts upper case, spaces and dashes anywhere or not at all,
/// and Crockford's look-alikes `o`, `i`, `l`.
pub(super) fn normalize(typed: &str) -> Option<String> {
    let mut code = String::with_capacity(CODE_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_lowercase() {
            '-' => continue,
            c if c.is_whitespace() => continue,
            'o' => '0',
            'i' | 'l' => '1',
            c if u8::try_from(c).is_ok_and(|b| ALPHABET.contains(&b)) => c,
            _ => return None,
        };
        if code.len() == CODE_LEN {
            return None;
        }
        code.push(c);
    }
    (code.len() == CODE_LEN).then_some(code)
}

/// What the database keeps of a code: SHA-256 of its canonical form, lowercase hex.
pub(super) fn hash(canonical: &str) -> String {
    sha256_hex(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_ten_distinct_codes_in_three_groups() {
        let codes = generate_codes().unwrap();
        assert_eq!(codes.len(), 10);
        for code in &codes {
            assert_eq!(code.len(), 14, "{code}");
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 3, "{code}");
            assert!(groups.iter().all(|g| g.len() == 4), "{code}");
            assert!(
                code.bytes().all(|b| b == b'-' || ALPHABET.contains(&b)),
                "{code}"
            );
            assert!(!code.contains(['i', 'l', 'o', 'u']), "{code}");
            assert_eq!(normalize(code).unwrap(), code.replace('-', ""));
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
    }

    #[test]
    fn normalizes_case_spaces_dashes_and_look_alikes() {
        for typed in [
            "k7qd-3mzp-x9fa",
            "K7QD-3MZP-X9FA",
            "k7qd3mzpx9fa",
            " k7qd 3mzp x9fa ",
            "K7QD 3MZP-X9FA",
            "k7q-d3mzpx9-fa",
        ] {
            assert_eq!(
                normalize(typed).as_deref(),
                Some("k7qd3mzpx9fa"),
                "{typed:?}"
            );
        }
        assert_eq!(normalize("10ab-cdef-ghjk").as_deref(), Some("10abcdefghjk"));
        assert_eq!(normalize("LOab-cdef-ghjk").as_deref(), Some("10abcdefghjk"));
        assert_eq!(normalize("iOab-cdef-ghjk").as_deref(), Some("10abcdefghjk"));
    }

    #[test]
    fn rejects_what_cannot_be_a_code() {
        for typed in [
            "",
            "k7qd-3mzp",
            "k7qd-3mzp-x9f",
            "k7qd-3mzp-x9fa-a",
            "k7qd-3mzp-x9fu",
            "k7qd-3mzp-x9f!",
            "k7qd_3mzp_x9fa",
            "k7qd-3mzp-x9fé",
            "123456",
        ] {
            assert_eq!(normalize(typed), None, "{typed:?}");
        }
    }

    #[test]
    fn hashes_the_canonical_form() {
        let hash = hash("k7qd3mzpx9fa");
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, sha256_hex("k7qd3mzpx9fa"));
        assert!(!hash.contains("k7qd"));
    }
}
