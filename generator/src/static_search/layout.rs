//! Document numbering: which item gets which document number in the static index.

use std::collections::HashMap;

use tracebook_model::Project;

/// Where the index puts each item: documents are numbered by kind (config order), then status,
/// then the project's natural id order, so each (kind, status) pair is one number range and the
/// page filters by kind and status without loading anything.
pub(super) struct Layout<'p> {
    /// Item index of each document number.
    pub(super) order: Vec<usize>,
    /// (name, title) of each kind.
    pub(super) kinds: Vec<(&'p str, &'p str)>,
    /// Every status of every kind, in the order first declared.
    pub(super) statuses: Vec<&'p str>,
    /// `[kind, status, first doc, end doc]`, indexes into `kinds` and `statuses`.
    pub(super) ranges: Vec<[usize; 4]>,
}

impl<'p> Layout<'p> {
    pub(super) fn new(project: &'p Project) -> Layout<'p> {
        let mut kinds: Vec<(&str, &str)> = Vec::new();
        let mut statuses: Vec<&str> = Vec::new();
        for kind in &project.config.kinds {
            kinds.push((&kind.name, &kind.title));
            for status in &kind.statuses {
                if !statuses.contains(&status.as_str()) {
                    statuses.push(status);
                }
            }
        }
        // Unknown kinds and statuses are errors, so a published site has none; still placed.
        let mut kind_of: HashMap<&str, usize> =
            kinds.iter().enumerate().map(|(i, k)| (k.0, i)).collect();
        let mut status_of: HashMap<&str, usize> =
            statuses.iter().enumerate().map(|(i, s)| (*s, i)).collect();
        let keys: Vec<(usize, usize)> = project
            .items
            .iter()
            .map(|item| {
                let k = *kind_of.entry(&item.kind).or_insert_with(|| {
                    kinds.push((&item.kind, &item.kind));
                    kinds.len() - 1
                });
                let s = *status_of.entry(&item.status).or_insert_with(|| {
                    statuses.push(&item.status);
                    statuses.len() - 1
                });
                (k, s)
            })
            .collect();
        let mut order: Vec<usize> = (0..project.items.len()).collect();
        order.sort_by_key(|&i| keys[i]); // stable: keeps the natural id order within a pair
        let mut ranges: Vec<[usize; 4]> = Vec::new();
        for (doc, &i) in order.iter().enumerate() {
            let (k, s) = keys[i];
            match ranges.last_mut() {
                Some(r) if r[0] == k && r[1] == s => r[3] = doc + 1,
                _ => ranges.push([k, s, doc, doc + 1]),
            }
        }
        Layout {
            order,
            kinds,
            statuses,
            ranges,
        }
    }
}
