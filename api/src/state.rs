//! Shared state of the server, cloned into every handler (cheap: everything behind an `Arc` or
//! a pool handle).

use std::path::PathBuf;
use std::sync::Arc;

use tracebook_generator::SearchIndex;

use axum::extract::FromRef;
use axum_extra::extract::cookie::Key;

use crate::accounts::AccountStore;
use crate::auth::{AuthCache, LoginLimits, SetupToken, cookie};
use crate::config::ServerConfig;
use crate::edits::Editor;
use crate::publishing::Publishing;
use crate::site_files::SiteFiles;

/// What handlers and middleware need.
#[derive(Clone)]
pub struct AppState {
    /// The project root (holds tracebook.yaml and `.tracebook/`).
    pub root: Arc<PathBuf>,
    /// The published site folder served to readers.
    pub site_dir: Arc<PathBuf>,
    /// The tantivy index of the project's items (`None` until one could be opened).
    pub search: Option<Arc<SearchIndex>>,
    /// Users, sessions, tokens and the audit log.
    pub accounts: AccountStore,
    /// Settings from flags and environment.
    pub config: Arc<ServerConfig>,
    /// The edit engine (`None` when the project is not in a git work tree: read-only).
    pub editor: Option<Arc<Editor>>,
    /// Queues the site's rebuild after each commit (`None`: the site is not rebuilt).
    pub publishing: Option<Arc<Publishing>>,
    /// The first-run setup secret (see [`SetupToken`]).
    pub setup: Arc<SetupToken>,
    /// Sign-in attempt limits.
    pub(crate) limits: Arc<LoginLimits>,
    /// Signs session cookies.
    pub(crate) cookie_key: Key,
    /// Recent session and token lookups.
    pub(crate) auth_cache: Arc<AuthCache>,
    /// The published site's files, kept in memory.
    pub(crate) site_files: Arc<SiteFiles>,
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Key {
        state.cookie_key.clone()
    }
}

impl AppState {
    /// State for a project at `root` whose site is published at `site_dir`.
    pub fn new(
        root: PathBuf,
        site_dir: PathBuf,
        accounts: AccountStore,
        config: ServerConfig,
    ) -> AppState {
        let site_files = Arc::new(SiteFiles::new(site_dir.clone()));
        AppState {
            root: Arc::new(root),
            site_dir: Arc::new(site_dir),
            search: None,
            accounts,
            limits: Arc::new(LoginLimits::new(config.login_attempts_per_minute)),
            cookie_key: cookie::key(&config),
            auth_cache: Arc::new(AuthCache::default()),
            site_files,
            config: Arc::new(config),
            editor: None,
            publishing: None,
            setup: Arc::new(SetupToken::default()),
        }
    }

    /// The same state with a search index to answer `/api/search`.
    #[must_use]
    pub fn with_search(mut self, index: SearchIndex) -> AppState {
        self.search = Some(Arc::new(index));
        self
    }

    /// The same state with its sign-in limits counted in the Redis at `url` (keys under
    /// `prefix`), shared by every server process using it (see [`LoginLimits`]).
    pub fn with_shared_login_limits(mut self, url: &str, prefix: &str) -> Result<AppState, String> {
        let limits = LoginLimits::new(self.config.login_attempts_per_minute)
            .shared(url, prefix)
            .map_err(|err| format!("the sign-in limits' Redis: {err}"))?;
        self.limits = Arc::new(limits);
        Ok(self)
    }

    /// The same state with an edit engine for the write API and the edit form.
    #[must_use]
    pub fn with_editor(mut self, editor: Editor) -> AppState {
        self.editor = Some(Arc::new(editor));
        self
    }

    /// Called by every route that made a commit: queues the rebuild of the site. `Some`
    /// warning when the queue is down (the commit stands; the job is retried).
    pub(crate) async fn after_commit(&self, commit: &str) -> Option<String> {
        let publishing = self.publishing.as_ref()?;
        publishing.enqueue(publishing.branch(), commit).await
    }
}
