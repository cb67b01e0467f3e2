//! After-publish steps that only need the generator.

use std::sync::Arc;

use tracebook_generator::SearchIndex;
use tracebook_generator::git::CommitInfo;
use tracebook_model::Project;

use crate::runner::AfterPublish;

/// Brings the server's search index (tantivy, beside the project) up to date; the server's
/// reader picks the commit up (it reloads on commits, also another process's).
pub struct SearchStep(pub Arc<SearchIndex>);

impl AfterPublish for SearchStep {
    fn name(&self) -> &str {
        "search"
    }

    fn after_publish(&self, project: &Project, _commit: &CommitInfo) -> Result<(), String> {
        self.0.sync(project).map(drop).map_err(|e| e.to_string())
    }
}
