//! tracebook-generator: loads a project from disk and renders the static traceability site.
//!
//! Three free functions make the API: [`load`] reads and checks a project, [`Theme::load`] or
//! [`Theme::embedded`] picks the templates, and [`build_site`] renders into a staging folder
//! and publishes it atomically. Depends on tracebook-model only; nothing here is async.

#![warn(missing_docs)]

mod chart;
mod error;
mod load;
mod markdown;
mod publish;
mod render;
mod theme;

pub use error::{Error, Result};
pub use load::load;
pub use markdown::render_markdown;
pub use publish::publish;
pub use render::{BuildReport, build_site, render_site};
pub use theme::Theme;
