//! What changed between two versions of a project, and what that change touches.
//!
//! Pure: both sides are [`Project`]s the caller loaded (from git or disk). [`ChangeReport::new`]
//! is what `tracebook diff` prints and what the site's baseline pages show, so the two always
//! agree.

mod diff;
mod impact;
mod report;
mod words;

pub use diff::{ChangeSet, FieldChange, ItemChange, ItemSummary, diff};
pub use impact::{Impact, ImpactGroup, ImpactedItem, SuspectLink, impact};
pub use report::{ChangeReport, CoverageDelta, Side};
pub use words::{DiffOp, Segment, word_diff};

#[cfg(test)]
mod tests;
