//! TOTP (RFC 6238) as authenticator apps use it: HMAC-SHA-1, 6 digits, 30-second steps, one
//! step of clock skew either way; plus the `otpauth://` URI and its QR code that enrol an app.
//!
//! Pure apart from the random secret: time is passed in. totp-rs computes codes and URIs and
//! qrcode draws the SVG; this module only fixes the parameters and takes secrets as unpadded
//! base32 text, the form stored in `users.mfa_secret` and shown for manual entry.
//!
//! Functions that take a secret answer `None` for a malformed one (not base32, or shorter than
//! the 128 bits totp-rs requires) rather than an error: secrets are ours, so a bad one is a
//! corrupt row, and to a caller checking a code it means the same as a wrong code.

use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::{Error, Result};

/// Issuer named in the `otpauth://` URI; apps show it above the account name.
const ISSUER: &str = "tracebook";
/// Code length authenticator apps default to.
const DIGITS: u8 = 6;
/// Seconds per step, the RFC's and every app's default.
const STEP_SECONDS: u64 = 30;
/// Steps accepted either side of the current one (RFC 6238 section 5.2 recommends one).
const SKEW_STEPS: u16 = 1;
/// 160 bits, the secret length RFC 4226 section 4 recommends for HMAC-SHA-1.
const SECRET_BYTES: usize = 20;
/// Smallest QR code drawn, in pixels, so phones read it at a glance from a screen.
const QR_MIN_PIXELS: u32 = 240;

/// A new random TOTP secret: 160 bits from the OS, as unpadded base32 (32 characters).
pub fn new_totp_secret() -> Result<String> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| Error::Hash(format!("random TOTP secret: {e}")))?;
    Ok(Secret::from(bytes).to_base32())
}

/// The `otpauth://totp/tracebook:NAME?secret=…&issuer=tracebook` URI that enrols an
/// authenticator app, with `account_name` as the label. Colons in the name become `_` (the
/// label format reserves `:` for the issuer); the label is only what the app displays.
/// `None` for a malformed secret.
pub fn otpauth_uri(secret: &str, account_name: &str) -> Option<String> {
    let mut label = account_name.replace(':', "_");
    if label.is_empty() {
        // totp-rs refuses an empty label; user names are never empty, so this is defensive.
        label.push_str("account");
    }
    totp(Secret::try_from_base32(secret).ok()?, DIGITS, &label)?
        .to_url()
        .ok()
}

/// `uri` as a QR code in a standalone SVG document (black on white, with the quiet zone QR
/// readers need), to be served as `image/svg+xml`. `None` only when `uri` is longer than a QR
/// code holds (about 2,300 bytes), which an [`otpauth_uri`] never is.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(QR_MIN_PIXELS, QR_MIN_PIXELS)
            .quiet_zone(true)
            .build(),
    )
}

/// Whether `uri` fits in a QR code (what [`qr_svg`] needs), without drawing it.
pub(super) fn fits_qr(uri: &str) -> bool {
    QrCode::new(uri.as_bytes()).is_ok()
}

/// The 6-digit code an authenticator app shows at `unix_time` (seconds), as text with its
/// leading zeros; `None` for a malformed secret. Tests and test harnesses use it to log in.
pub fn totp_code_at(secret: &str, unix_time: u64) -> Option<String> {
    let totp = totp(Secret::try_from_base32(secret).ok()?, DIGITS, "")?;
    Some(totp.generate(unix_time).to_string())
}

/// The time step (`unix_time / 30`) whose code `code` is, looking at the current step and one
/// either side; `None` when it is none of them or is not 6 digits (spaces, as some apps show
/// `123 456`, are ignored). The caller must accept each step once (see `mfa_last_step`).
pub fn totp_matching_step(secret: &str, code: &str, unix_time: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    // totp-rs checks length and digits too; checking here skips the HMACs for junk.
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(Secret::try_from_base32(secret).ok()?, DIGITS, "")?;
    totp.check(&code, unix_time)
}

/// Our parameters with `secret` and `digits`; `None` if totp-rs finds them invalid (a secret
/// under 128 bits).
fn totp(secret: Secret, digits: u8, account_name: &str) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(digits)
        .with_step_duration(STEP_SECONDS)
        .with_skew(SKEW_STEPS)
        .with_secret(secret)
        .with_account_name(account_name)
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 seed, "12345678901234567890" in ASCII.
    const RFC_SEED: &[u8; 20] = b"12345678901234567890";
    /// 1,700,000,010: 10 s into step 56,666,667.
    const NOW: u64 = 1_700_000_010;

    fn rfc_secret() -> String {
        Secret::from(*RFC_SEED).to_base32()
    }

    #[test]
    fn matches_rfc_6238_sha1_vectors() {
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        let rfc = totp(Secret::from(*RFC_SEED), 8, "").unwrap();
        for (time, code) in vectors {
            assert_eq!(rfc.generate(time).to_string(), code, "at {time}");
            assert_eq!(rfc.check(code, time), Some(time / 30), "at {time}");
            // The 6-digit code is the same truncation, taken modulo 10^6.
            let six = totp_code_at(&rfc_secret(), time).unwrap();
            assert_eq!(six, code[2..], "at {time}");
        }
    }

    #[test]
    fn secrets_are_160_random_bits_in_base32() {
        let secret = new_totp_secret().unwrap();
        assert_eq!(secret.len(), 32);
        assert!(
            secret
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
        assert_eq!(
            Secret::try_from_base32(&secret).unwrap().as_bytes().len(),
            20
        );
        assert_ne!(secret, new_totp_secret().unwrap());
    }

    #[test]
    fn codes_have_six_digits_with_leading_zeros() {
        // At 1,111,111,109 the 8-digit RFC code is 07081804, so the 6-digit one starts with 0.
        assert_eq!(
            totp_code_at(&rfc_secret(), 1_111_111_109).as_deref(),
            Some("081804")
        );
        let code = totp_code_at(&new_totp_secret().unwrap(), NOW).unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn accepts_one_step_of_skew_and_returns_the_step() {
        let secret = rfc_secret();
        let step = NOW / 30;
        for offset in [-1i64, 0, 1] {
            let time = NOW.checked_add_signed(offset * 30).unwrap();
            let code = totp_code_at(&secret, time).unwrap();
            assert_eq!(
                totp_matching_step(&secret, &code, NOW),
                Some(step.checked_add_signed(offset).unwrap()),
                "offset {offset}"
            );
        }
        for offset in [-3i64, -2, 2, 3] {
            let code = totp_code_at(&secret, NOW.checked_add_signed(offset * 30).unwrap()).unwrap();
            assert_eq!(
                totp_matching_step(&secret, &code, NOW),
                None,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn refuses_wrong_and_malformed_codes() {
        let secret = rfc_secret();
        let code = totp_code_at(&secret, NOW).unwrap();
        let window: Vec<String> = [NOW - 30, NOW, NOW + 30]
            .iter()
            .map(|&time| totp_code_at(&secret, time).unwrap())
            .collect();
        let wrong = (0..)
            .map(|n| format!("{n:06}"))
            .find(|candidate| !window.contains(candidate))
            .unwrap();
        assert_eq!(totp_matching_step(&secret, &wrong, NOW), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(totp_matching_step(&secret, &spaced, NOW), Some(NOW / 30));
        let letters = format!("{}ab", &code[..4]);
        let longer = format!("{code}0");
        for bad in [
            "", "abcdef", "12345", "1234567", &letters, &longer, "+12345",
        ] {
            assert_eq!(totp_matching_step(&secret, bad, NOW), None, "{bad:?}");
        }
        assert_eq!(totp_matching_step(&code[..5], &code, NOW), None);
    }

    #[test]
    fn refuses_malformed_secrets() {
        assert_eq!(totp_code_at("not base32!", NOW), None);
        // 80 bits: under totp-rs's 128-bit minimum.
        assert_eq!(totp_code_at("GEZDGNBVGY3TQOJQ", NOW), None);
        assert_eq!(otpauth_uri("0189", "alice"), None);
        assert_eq!(totp_matching_step("", "123456", NOW), None);
    }

    #[test]
    fn builds_otpauth_uris_for_authenticator_apps() {
        let secret = rfc_secret();
        assert_eq!(
            otpauth_uri(&secret, "alice").unwrap(),
            format!("otpauth://totp/tracebook:alice?secret={secret}&issuer=tracebook")
        );
        let odd = otpauth_uri(&secret, "a:b c/d").unwrap();
        assert!(
            odd.starts_with("otpauth://totp/tracebook:a_b%20c%2Fd?"),
            "{odd}"
        );
        assert!(otpauth_uri(&secret, "").unwrap().contains(":account?"));
        // The URI round-trips through totp-rs's parser to the same codes.
        let parsed = Totp::from_url(otpauth_uri(&secret, "alice").unwrap()).unwrap();
        assert_eq!(
            parsed.generate(NOW).to_string(),
            totp_code_at(&secret, NOW).unwrap()
        );
    }

    #[test]
    fn draws_qr_codes_as_standalone_svg() {
        let uri = otpauth_uri(&rfc_secret(), "alice").unwrap();
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<?xml"), "{svg}");
        assert!(svg.contains(r#"<svg xmlns="http://www.w3.org/2000/svg""#));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<script") && !svg.contains("style="));
        assert!(fits_qr(&uri));
        assert!(!fits_qr(&"x".repeat(3_000)));
        assert_eq!(qr_svg(&"x".repeat(3_000)), None);
    }
}
