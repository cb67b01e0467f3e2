//! Facet counts per kind and status over every matching document (not only the page of hits),
//! read from the fast columns: one counter per dictionary ordinal, named once per segment.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentReader};

use super::schema::{KIND, STATUS};

/// How many matching items have each kind and each status; each map adds up to the total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// Matching items per kind.
    pub kind: BTreeMap<String, u64>,
    /// Matching items per status.
    pub status: BTreeMap<String, u64>,
}

/// Collects [`Facets`].
pub(super) struct FacetCollector;

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = SegmentFacets;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let fast = segment.fast_fields();
        Ok(SegmentFacets {
            kind: OrdCounter::new(fast.str(KIND)?),
            status: OrdCounter::new(fast.str(STATUS)?),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Facets>) -> tantivy::Result<Facets> {
        let mut total = Facets::default();
        for facets in segments {
            for (name, count) in facets.kind {
                *total.kind.entry(name).or_default() += count;
            }
            for (name, count) in facets.status {
                *total.status.entry(name).or_default() += count;
            }
        }
        Ok(total)
    }
}

/// Per-segment counters.
pub(super) struct SegmentFacets {
    kind: OrdCounter,
    status: OrdCounter,
}

impl SegmentCollector for SegmentFacets {
    type Fruit = Facets;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.kind.collect(doc);
        self.status.collect(doc);
    }

    /// Without scoring, tantivy hands over blocks of documents: read the columns in batches.
    fn collect_block(&mut self, docs: &[DocId]) {
        self.kind.collect_block(docs);
        self.status.collect_block(docs);
    }

    fn harvest(self) -> Facets {
        Facets {
            kind: self.kind.harvest(),
            status: self.status.harvest(),
        }
    }
}

/// Counts the values of one single-valued string column by ordinal.
struct OrdCounter {
    column: Option<StrColumn>,
    /// The column's ordinals (one per document: kind and status are single-valued).
    ords: Option<Column<u64>>,
    counts: Vec<u64>,
    buffer: Vec<Option<u64>>,
}

impl OrdCounter {
    fn new(column: Option<StrColumn>) -> OrdCounter {
        let terms = column.as_ref().map_or(0, |column| column.num_terms());
        OrdCounter {
            ords: column.as_ref().map(|column| column.ords().clone()),
            column,
            counts: vec![0; terms],
            buffer: Vec::new(),
        }
    }

    fn count(&mut self, ord: Option<u64>) {
        if let Some(count) = ord
            .and_then(|ord| usize::try_from(ord).ok())
            .and_then(|ord| self.counts.get_mut(ord))
        {
            *count += 1;
        }
    }

    fn collect(&mut self, doc: DocId) {
        let ord = self.ords.as_ref().and_then(|ords| ords.first(doc));
        self.count(ord);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        let Some(ords) = &self.ords else { return };
        self.buffer.clear();
        self.buffer.resize(docs.len(), None);
        ords.first_vals(docs, &mut self.buffer);
        for i in 0..docs.len() {
            let ord = self.buffer[i];
            self.count(ord);
        }
    }

    fn harvest(self) -> BTreeMap<String, u64> {
        let mut named = BTreeMap::new();
        let Some(column) = self.column else {
            return named;
        };
        let mut name = String::new();
        for (ord, &count) in self.counts.iter().enumerate() {
            // A name that cannot be read back (a corrupt column) is left out rather than failing
            // the whole search.
            if count > 0 && matches!(column.ord_to_str(ord as u64, &mut name), Ok(true)) {
                named.insert(name.clone(), count);
            }
        }
        named
    }
}
