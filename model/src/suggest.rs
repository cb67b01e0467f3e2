//! "Did you mean …?" hints: the closest known name to a misspelt one.

/// The candidate most similar to `wanted`, if any is similar enough to be a likely typo.
///
/// Jaro-Winkler favours a shared prefix, which suits ids (`STK-0012` vs `STK-001`) and keys.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&wanted_lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// `"did you mean X?"` for the closest candidate, if any.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(wanted, candidates).map(|c| format!("did you mean {c}?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_suggests_close_id() {
        let ids = ["STK-001", "SYS-012", "VER-003"];
        assert_eq!(
            did_you_mean("STK-0012", ids),
            Some("did you mean STK-001?".to_owned())
        );
        assert_eq!(closest("SYS-013", ids), Some("SYS-012"));
        assert_eq!(closest("completely-else", ids), None);
    }
}
