//! tracebook-generator: loads a project from disk and renders the static traceability site.
//!
//! Three free functions make the API: [`load`] reads and checks a project, [`Theme::load`] or
//! [`Theme::embedded`] picks the templates, and [`build_site`] renders into a staging folder
//! and publishes it atomically. Depends on tracebook-model only; nothing here is async.

#![warn(missing_docs)]

mod build_info;
mod chart;
mod error;
pub mod git;
mod incremental;
mod load;
mod markdown;
mod publish;
mod render;
mod server_search;
mod site_builder;
mod static_search;
mod theme;
mod timeline;

pub use build_info::BuildInfo;
pub use error::{Error, Result};
pub use incremental::{Changes, FileCounts};
pub use load::load;
pub use markdown::render_markdown;
pub use publish::{publication_stamp, publish};
pub use render::{BuildOptions, BuildReport, build_site, build_site_with, render_site};
pub use server_search::{
    DEFAULT_LIMIT as SEARCH_DEFAULT_LIMIT, Facets, Highlight, Hit, MAX_LIMIT as SEARCH_MAX_LIMIT,
    SearchIndex, SearchQuery, SearchResults, Snippet, SyncReport, index_dir as search_index_dir,
    search, sync as sync_search_index,
};
pub use site_builder::{SiteBuild, SiteBuilder, SiteOptions};
pub use static_search::{StaticSearchOptions, StaticSearchReport, write_static_search};
pub use theme::Theme;
pub use timeline::{BaselineSnapshot, Timeline, WORKING_TREE, resolve_side};
