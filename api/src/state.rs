//! Shared state of the server, cloned into every handler (cheap: paths behind an `Arc`).

use std::path::PathBuf;
use std::sync::Arc;

use tracebook_generator::SearchIndex;

/// What handlers need: where the project and the published site are.
#[derive(Clone)]
pub struct AppState {
    /// The project root (holds tracebook.yaml and `.tracebook/search/`).
    pub root: Arc<PathBuf>,
    /// The published site folder served to readers.
    pub site_dir: Arc<PathBuf>,
    /// The tantivy index of the project's items (`None` until one could be opened).
    pub search: Option<Arc<SearchIndex>>,
}

impl AppState {
    /// State for a project at `root` whose site is published at `site_dir`.
    pub fn new(root: PathBuf, site_dir: PathBuf) -> AppState {
        AppState {
            root: Arc::new(root),
            site_dir: Arc::new(site_dir),
            search: None,
        }
    }

    /// The same state with a search index to answer `/api/search`.
    #[must_use]
    pub fn with_search(mut self, index: SearchIndex) -> AppState {
        self.search = Some(Arc::new(index));
        self
    }
}
