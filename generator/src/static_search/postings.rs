//! Posting lists: which documents hold a term and how strongly, packed into short strings, and
//! the split of the sorted vocabulary into shards of bounded size.
//!
//! A posting is a document number (the item's place in the index's document order) and a weight
//! level 1..=8. In memory it is one `u32`, `doc << 3 | (weight - 1)`, so sorting the list sorts
//! it by document. On disk a term's list is one string of base-32 varints, each encoding
//! `(doc - previous doc - 1) * 8 + (weight - 1)`: one character for most postings of a common
//! term, about a tenth of a JSON `[doc, weight]` pair.

use std::cmp::{Ordering, Reverse};
use std::collections::HashMap;

use super::text::{tokens, whole_id};

/// Weight of a term found only in the body, once or twice.
const BODY: u8 = 1;
/// Found three or more times in the body.
const BODY_MANY: u8 = 2;
/// In a tag or a field value.
const FIELD: u8 = 3;
/// In the title. The page script ranks title hits (weight >= this) above all others.
pub(crate) const TITLE: u8 = 5;
/// One part of the item's id (`sys`, `014` of `SYS-014`).
const ID_PART: u8 = 6;
/// The item's whole id: the page script puts it first. Only whole-id terms carry it.
pub(crate) const WHOLE_ID: u8 = 8;

/// Characters of the varint code: the first 32 end a number, the last 32 carry 5 more bits and
/// go on. None needs escaping in a JS string literal; `!` is left free to mark a cut list.
pub(crate) const DIGITS: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

/// The text of one item, by zone.
pub(crate) struct DocText<'a> {
    pub(crate) id: &'a str,
    pub(crate) title: &'a str,
    /// Tags and field values.
    pub(crate) fields: Vec<String>,
    /// Plain body text.
    pub(crate) body: &'a str,
}

/// Each term of `doc` with its weight level.
pub(crate) fn doc_terms(doc: &DocText<'_>) -> Vec<(String, u8)> {
    // Per term: zones seen (bit 0 body, 1 field, 2 title, 3 id part) and body occurrences.
    let mut seen: HashMap<String, (u8, u32)> = HashMap::new();
    let mut add = |zone: u8, term: &str| {
        let entry = seen.entry(term.to_owned()).or_default();
        entry.0 |= 1 << zone;
        entry.1 += u32::from(zone == 0);
    };
    tokens(doc.id, |t| add(3, t));
    tokens(doc.title, |t| add(2, t));
    for value in &doc.fields {
        tokens(value, |t| add(1, t));
    }
    tokens(doc.body, |t| add(0, t));

    let mut terms: Vec<(String, u8)> = seen
        .into_iter()
        .map(|(term, (zones, count))| {
            let best = if zones & 8 != 0 {
                ID_PART
            } else if zones & 4 != 0 {
                TITLE
            } else if zones & 2 != 0 {
                FIELD
            } else if count >= 3 {
                BODY_MANY
            } else {
                BODY
            };
            // A term in more than one zone gains a level, staying below WHOLE_ID.
            let bonus = u8::from(zones.count_ones() > 1);
            (term, (best + bonus).min(WHOLE_ID - 1))
        })
        .collect();
    if let Some(whole) = whole_id(doc.id) {
        // A one-token id (`STK001`) is also its own part: raise that term instead.
        match terms.iter_mut().find(|(t, _)| *t == whole) {
            Some(term) => term.1 = WHOLE_ID,
            None => terms.push((whole, WHOLE_ID)),
        }
    }
    terms
}

/// Packs `doc` and `weight` (1..=8) into one in-memory posting.
pub(crate) fn posting(doc: u32, weight: u8) -> u32 {
    doc << 3 | u32::from(weight.clamp(1, 8) - 1)
}

/// The varint string of a posting list sorted by document.
pub(crate) fn encode(postings: &[u32]) -> String {
    let mut out = Vec::with_capacity(postings.len() + postings.len() / 4);
    let mut previous: i64 = -1;
    for &p in postings {
        let doc = i64::from(p >> 3);
        // Gaps are >= 1 in a sorted list of distinct documents.
        let gap = u64::try_from(doc - previous - 1).unwrap_or(0);
        previous = doc;
        let mut value = gap * 8 + u64::from(p & 7);
        while value >= 32 {
            out.push(DIGITS.as_bytes()[32 + (value & 31) as usize]);
            value >>= 5;
        }
        out.push(DIGITS.as_bytes()[value as usize]);
    }
    // Every byte comes from DIGITS, which is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Decodes [`encode`]'s output (tests and size checks; the page script has its own).
#[cfg(test)]
pub(crate) fn decode(text: &str) -> Vec<(u32, u8)> {
    let mut out = Vec::new();
    let (mut value, mut shift, mut previous) = (0u64, 0u32, -1i64);
    for c in text.bytes() {
        let digit = DIGITS.bytes().position(|d| d == c).expect("digit") as u64;
        if digit >= 32 {
            value |= (digit - 32) << shift;
            shift += 5;
        } else {
            value |= digit << shift;
            let doc = previous + 1 + (value / 8) as i64;
            out.push((doc as u32, (value % 8) as u8 + 1));
            previous = doc;
            (value, shift) = (0, 0);
        }
    }
    out
}

/// [`encode`], but when the string would pass `cap` bytes only the highest-weighted postings
/// that fit are kept (ties: lower document first), and `true` says the list was cut. A term
/// that common ranks by its weight alone, and it keeps every shard under the size limit.
pub(crate) fn encode_capped(postings: &[u32], cap: usize) -> (String, bool) {
    let full = encode(postings);
    if full.len() <= cap {
        return (full, false);
    }
    let mut ranked = postings.to_vec();
    ranked.sort_unstable_by_key(|&p| (Reverse(p & 7), p >> 3));
    let mut keep = postings.len() * cap / full.len();
    loop {
        let mut kept = ranked[..keep].to_vec();
        kept.sort_unstable();
        let text = encode(&kept);
        if text.len() <= cap || keep == 0 {
            return (text, true);
        }
        keep = keep * 9 / 10;
    }
}

/// The order the page script sees: JavaScript compares strings by UTF-16 code units, which
/// differs from Rust's byte order above U+FFFF.
pub(crate) fn js_order(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Splits entries (already in [`js_order`], each with its size in bytes) into consecutive runs
/// of at most `target` bytes; an entry larger than `target` gets a run of its own. Returns the
/// index of each run's first entry.
pub(crate) fn partition(sizes: &[usize], target: usize) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut current = 0;
    for (i, &size) in sizes.iter().enumerate() {
        if starts.is_empty() || (current > 0 && current + size > target) {
            starts.push(i);
            current = 0;
        }
        current += size;
    }
    starts
}
