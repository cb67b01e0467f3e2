//! tracebook-model: the pure model of a tracebook project.
//!
//! Items, kinds, link kinds, schema checks, the link graph, coverage and diagnostics, computed
//! from file contents handed in by the caller. No disk, git, network, clock or threads: the
//! generator reads files (in parallel) and calls [`parse_file`] and [`Project::assemble`].

#![warn(missing_docs)]

mod baseline;
mod changes;
mod config;
mod coverage;
pub mod diagnostic;
mod edit;
pub mod evidence;
mod export;
mod fingerprint;
mod graph;
mod item;
mod links;
mod natural;
mod project;
mod reader;
pub mod readiness;
mod review;
mod schema;
mod suggest;
mod text_edit;
pub mod yaml;

pub use baseline::{Baseline, parse_baseline};
pub use changes::{
    ChangeReport, ChangeSet, CoverageDelta, DiffOp, FieldChange, Impact, ImpactGroup, ImpactedItem,
    ItemChange, ItemSummary, Segment, Side, SuspectLink, diff, impact, word_diff,
};
pub use config::{
    Config, DEFAULT_STATUSES, Direction, FieldDef, FieldType, KNOWN_KEYS, KindDef, LinkKindDef,
    Rule,
};
pub use coverage::{EXEMPT_STATUS, RuleCoverage, is_covered, item_coverage};
pub use diagnostic::{Code, Diagnostic, Severity, Span};
pub use edit::{ItemEdit, KeyChange, TextEditError, edit_item, render_item};
pub use export::export;
pub use fingerprint::Fingerprint;
pub use graph::{Edge, Graph};
pub use item::{Field, Item, Link, ParsedFile, RESERVED_KEYS, Source, is_valid_id, parse_file};
pub use natural::natural_cmp;
pub use project::{
    CONFIG_FILE, Inputs, Project, is_baseline_file, is_content_file, is_results_input,
    missing_config, symlink_not_followed,
};
pub use readiness::{Area, Readiness, ReadinessRule};
pub use review::{
    ReviewError, ReviewPlan, ReviewPlanError, Stamp, StampOutcome, Stamped, UnplannedChange,
    check_stamped, plan_review, stamp_links,
};
pub use suggest::did_you_mean;
