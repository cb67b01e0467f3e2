//! Diagnostics as the site shows them, each tied to the item it is about when there is one.

use std::collections::HashMap;
use std::sync::Arc;

use tracebook_model::{Diagnostic, Project};

use super::context::Problem;
use super::paths::item_href;

/// Which item a diagnostic belongs to: the last item of its file that starts at or before
/// the diagnostic's line (a YAML list file holds several items).
pub(crate) struct ProblemIndex {
    by_file: HashMap<Arc<str>, Vec<(u32, usize)>>,
}

impl ProblemIndex {
    pub(crate) fn new(project: &Project) -> ProblemIndex {
        let mut by_file: HashMap<Arc<str>, Vec<(u32, usize)>> = HashMap::new();
        for (i, item) in project.items.iter().enumerate() {
            // The items of a file share its name: keys are clones of one `Arc`, not copies.
            by_file
                .entry(item.source.file.clone())
                .or_default()
                .push((item.source.line, i));
        }
        for starts in by_file.values_mut() {
            starts.sort_unstable();
        }
        ProblemIndex { by_file }
    }

    /// The item index a diagnostic is about, if any.
    pub(crate) fn item_of(&self, d: &Diagnostic) -> Option<usize> {
        let starts = self.by_file.get(&*d.span.file)?;
        // Front matter keys above `id:` still belong to the file's first item.
        let pos = starts.partition_point(|(line, _)| *line <= d.span.line);
        Some(starts[pos.saturating_sub(1)].1)
    }

    /// Problems per item index, and all problems for the dashboard.
    pub(crate) fn group(&self, project: &Project) -> (Vec<Vec<Problem>>, Vec<Problem>) {
        let mut per_item = vec![Vec::new(); project.items.len()];
        let mut all = Vec::with_capacity(project.diagnostics.len());
        for d in &project.diagnostics {
            let item = self.item_of(d);
            let problem = Problem {
                severity: d.severity.as_str(),
                code: d.code.0,
                location: d.span.to_string(),
                message: match &d.hint {
                    Some(hint) => format!("{} ({hint})", d.message),
                    None => d.message.clone(),
                },
                href: item.map(|i| item_href(&project.items[i].id)),
            };
            if let Some(i) = item {
                per_item[i].push(problem.clone());
            }
            all.push(problem);
        }
        (per_item, all)
    }
}
