//! tracebook-generator: loads a project from disk and renders the static traceability site.
//!
//! [`SiteBuilder`] is the one way to build a site. Give it the project folder, the site folder,
//! a [`Theme`] ([`Theme::embedded`] or [`Theme::load`]) and [`SiteOptions`]; each
//! [`SiteBuilder::build`] reads what changed (all of it the first time), assembles the project
//! and, when it has no errors, renders into the spare folder beside the site and swaps the two,
//! so readers see the old site or the new one, never a mix. A builder kept across builds
//! (`tracebook preview`, the rebuild workers) re-renders only the files whose inputs changed; a
//! new one starts from the state the last build left beside the site (`tracebook build`), or
//! from nothing with [`SiteOptions::full`]. Either way the site is the same, byte for byte.
//! Callers that look at the diagnostics before publishing call [`SiteBuilder::load`], then
//! [`SiteBuilder::publish`].
//!
//! Beside it: [`load`] reads a project for the commands that do not render (`check`,
//! `export`), the server-side search index ([`SearchIndex`]), git history and baselines
//! ([`git`], [`Timeline`]), `tracebook review`'s stamping ([`review_links`]) and `tracebook
//! results import` ([`import_results`]), and [`write_atomically`] for every file a command
//! replaces. Depends on tracebook-model only; nothing here is async.

#![warn(missing_docs)]

mod atomic_file;
mod build_info;
mod chart;
mod error;
pub mod git;
mod incremental;
mod load;
mod markdown;
mod publish;
mod render;
mod results_import;
mod review;
mod server_search;
mod site_builder;
mod static_search;
mod theme;
mod timeline;

pub use atomic_file::{create_atomically, write_atomically};
pub use build_info::BuildInfo;
pub use error::{Error, Result, ReviewFailure};
pub use incremental::{Changes, FileCounts};
pub use load::load;
pub use markdown::render_markdown;
pub use publish::publication_stamp;
pub use render::BuildReport;
pub use results_import::{Imported, import_results};
pub use review::{ReviewEvent, review_links};
pub use server_search::{
    DEFAULT_LIMIT as SEARCH_DEFAULT_LIMIT, Facets, Highlight, Hit, MAX_LIMIT as SEARCH_MAX_LIMIT,
    SearchIndex, SearchQuery, SearchResults, Snippet, SyncReport, index_dir as search_index_dir,
    search, sync as sync_search_index,
};
pub use site_builder::{SiteBuild, SiteBuilder, SiteOptions};
pub use static_search::{StaticSearchOptions, StaticSearchReport, write_static_search};
pub use theme::Theme;
pub use timeline::{BaselineSnapshot, Timeline, WORKING_TREE, resolve_side};
