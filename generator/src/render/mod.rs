//! Rendering the whole site into a folder: pages in parallel (rayon), then assets, the jump
//! index and the static search index. [`build_site`] wraps it in the atomic publish step.

mod context;
mod history;
mod pages;
pub(crate) mod paths;
mod problems;
mod tree;

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use tracebook_model::Project;

use crate::build_info::BuildInfo;
use crate::error::{Error, Result};
use crate::publish::publish;
use crate::static_search::{StaticSearchOptions, write_static_search};
use crate::theme::Theme;
use crate::timeline::Timeline;
use context::{KindCtx, LinkKindCtx, PageCtx, Totals};
use paths::{BASELINES_HREF, baseline_href, item_href, kind_href, matrix_href, root_of};

/// What a build wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BuildReport {
    /// HTML pages written.
    pub pages: usize,
    /// Asset files written.
    pub assets: usize,
}

/// How a site is built, beyond the project and the theme.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions<'a> {
    /// Baselines and history from git, and the commit the site is built from (pages show it);
    /// `None` outside git.
    pub timeline: Option<&'a Timeline>,
    /// Adds an "Edit" link to every item page, to `items/<ID>/edit` next to the page: the edit
    /// form of `tracebook serve`. Off for static sites, which have no server behind them.
    pub edit_links: bool,
}

/// Renders `project` with `theme` and publishes it atomically as `out`. A project with errors
/// publishes nothing, and neither does a failed render: `out` stays as it was.
/// `timeline` (baselines and history from git) adds the baseline pages and item history.
/// `on_page` is called once per page rendered (for progress bars); it must be cheap.
pub fn build_site(
    project: &Project,
    timeline: Option<&Timeline>,
    theme: &Theme,
    out: &Path,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let options = BuildOptions {
        timeline,
        edit_links: false,
    };
    build_site_with(project, theme, out, &options, on_page)
}

/// [`build_site`] with all options.
pub fn build_site_with(
    project: &Project,
    theme: &Theme,
    out: &Path,
    options: &BuildOptions<'_>,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let errors = project.counts().errors;
    if errors > 0 {
        return Err(Error::ContentErrors(errors));
    }
    publish(out, |staging| {
        render_site_with(project, theme, staging, options, on_page)
    })
}

/// Renders every page and asset of the site into `dir` (which must exist).
pub fn render_site(
    project: &Project,
    timeline: Option<&Timeline>,
    theme: &Theme,
    dir: &Path,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let options = BuildOptions {
        timeline,
        edit_links: false,
    };
    render_site_with(project, theme, dir, &options, on_page)
}

fn render_site_with(
    project: &Project,
    theme: &Theme,
    dir: &Path,
    options: &BuildOptions<'_>,
    on_page: &(dyn Fn() + Sync),
) -> Result<BuildReport> {
    let head = options.timeline.and_then(|t| t.head.as_ref());
    let timeline = options
        .timeline
        .filter(|t| !t.baselines.is_empty() || !t.history.commits.is_empty());
    let has_baselines = timeline.is_some_and(|t| !t.baselines.is_empty());
    let mut base = tera::Context::new();
    let site = pages::site(project, has_baselines, head, options.edit_links);
    base.insert("site", &site);
    let index = problems::ProblemIndex::new(project);
    let (per_item, all_problems) = index.group(project);
    let renderer = Renderer {
        theme,
        base,
        dir,
        on_page,
    };

    let item_pages: Result<Vec<()>> = (0..project.items.len())
        .into_par_iter()
        .map(|i| {
            let item = &project.items[i];
            let mut ctx = renderer.page(&item.title, &item_href(&item.id));
            ctx.insert("item", &pages::item(project, i));
            ctx.insert(
                "upstream",
                &tree::trace_tree(project, i, tree::Direction::Up),
            );
            ctx.insert(
                "downstream",
                &tree::trace_tree(project, i, tree::Direction::Down),
            );
            ctx.insert("problems", &per_item[i]);
            if let Some(timeline) = timeline {
                ctx.insert("history", &history::item_history(timeline, project, i));
            }
            renderer.write("item.html", &item_href(&item.id), &ctx)
        })
        .collect();
    item_pages?;
    let mut pages = project.items.len();

    let kinds = pages::kind_summaries(project);
    let mut ctx = renderer.page("Dashboard", "index.html");
    let counts = project.counts();
    ctx.insert(
        "totals",
        &Totals {
            items: project.items.len(),
            errors: counts.errors,
            warnings: counts.warnings,
        },
    );
    ctx.insert("status_chart", &pages::status_chart(&kinds));
    ctx.insert("kinds", &kinds);
    ctx.insert("rules", &pages::rules(project));
    ctx.insert("problems", &all_problems);
    renderer.write("dashboard.html", "index.html", &ctx)?;
    pages += 1;

    for kind in &project.config.kinds {
        let href = kind_href(&kind.name);
        let rows = pages::kind_rows(project, &kind.name, &per_item);
        let mut ctx = renderer.page(&kind.title, &href);
        let info = KindCtx {
            name: &kind.name,
            title: &kind.title,
            prefix: kind.prefix.as_deref(),
            count: rows.len(),
        };
        ctx.insert("kind", &info);
        ctx.insert("statuses", &kind.statuses);
        ctx.insert("items", &rows);
        renderer.write("kind.html", &href, &ctx)?;
        pages += 1;
    }
    for link in &project.config.links {
        let href = matrix_href(&link.name);
        let mut ctx = renderer.page(&link.name, &href);
        let info = LinkKindCtx {
            name: &link.name,
            from: &link.from,
            to: &link.to,
            acyclic: link.acyclic,
        };
        ctx.insert("link_kind", &info);
        ctx.insert("rows", &pages::matrix_rows(project, &link.name));
        renderer.write("matrix.html", &href, &ctx)?;
        pages += 1;
    }
    let mut ctx = renderer.page("Coverage", "coverage/index.html");
    ctx.insert("rules", &pages::rules(project));
    renderer.write("coverage.html", "coverage/index.html", &ctx)?;
    pages += 1;
    // Optional templates, so a theme written before baselines existed still builds.
    let has_templates = ["baselines.html", "baseline.html"]
        .iter()
        .all(|t| theme.tera.contains_template(t));
    if let Some(timeline) = timeline.filter(|_| has_baselines && has_templates) {
        pages += render_baselines(&renderer, project, timeline)?;
    }
    // Optional, so a theme written before the search page still builds (without it).
    if theme.tera.contains_template("search.html") {
        let mut ctx = renderer.page("Search", "search/index.html");
        let search = serde_json::json!({
            "scripts": ["assets/search-engine.js", "assets/search.js"],
            "manifest": "assets/search/manifest.js",
            "items": project.items.len(),
        });
        ctx.insert("search", &search);
        renderer.write("search.html", "search/index.html", &ctx)?;
        pages += 1;
    }

    let mut assets = write_assets(project, theme, dir)?;
    assets += write_static_search(project, dir, &StaticSearchOptions::default())?.files;
    BuildInfo::new(head, options.edit_links).write(dir)?;
    Ok(BuildReport { pages, assets })
}

/// The baselines page and one page per baseline; returns the number of pages.
fn render_baselines(
    renderer: &Renderer<'_>,
    project: &Project,
    timeline: &Timeline,
) -> Result<usize> {
    let rows = history::baseline_rows(project, timeline);
    let mut ctx = renderer.page("Baselines", BASELINES_HREF);
    ctx.insert("growth_chart", &history::growth_chart(&rows, project));
    ctx.insert("baselines", &rows);
    renderer.write("baselines.html", BASELINES_HREF, &ctx)?;
    let pages: Result<Vec<()>> = timeline
        .baselines
        .par_iter()
        .zip(rows.par_iter())
        .map(|(snapshot, row)| {
            let href = baseline_href(&snapshot.baseline.name);
            let mut ctx = renderer.page(&snapshot.baseline.name, &href);
            ctx.insert("baseline", row);
            let previous = snapshot.since_previous.as_ref();
            ctx.insert(
                "since_previous",
                &previous.map(|r| history::report(project, r)),
            );
            ctx.insert(
                "since_this",
                &history::report(project, &snapshot.since_this),
            );
            renderer.write("baseline.html", &href, &ctx)
        })
        .collect();
    Ok(pages?.len() + 1)
}

struct Renderer<'a> {
    theme: &'a Theme,
    base: tera::Context,
    dir: &'a Path,
    on_page: &'a (dyn Fn() + Sync),
}

impl Renderer<'_> {
    /// A context with the site-wide values, `root` and `page` for the page at `href`.
    fn page(&self, title: &str, href: &str) -> tera::Context {
        let mut ctx = self.base.clone();
        ctx.insert("root", &root_of(href));
        ctx.insert("page", &PageCtx { title });
        ctx
    }

    fn write(&self, template: &str, href: &str, ctx: &tera::Context) -> Result<()> {
        let html = self
            .theme
            .tera
            .render(template, ctx)
            .map_err(|err| Error::template(template, &err))?;
        let path = self.dir.join(href);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(Error::io("creating", parent))?;
        }
        std::fs::write(&path, html).map_err(Error::io("writing", &path))?;
        (self.on_page)();
        Ok(())
    }
}

/// Theme assets plus the generated jump index, under `assets/`.
fn write_assets(project: &Project, theme: &Theme, dir: &Path) -> Result<usize> {
    let assets = dir.join("assets");
    std::fs::create_dir_all(&assets).map_err(Error::io("creating", &assets))?;
    for (name, bytes) in &theme.assets {
        let path = assets.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(Error::io("creating", parent))?;
        }
        std::fs::write(&path, bytes).map_err(Error::io("writing", &path))?;
    }
    let rows: Vec<(&str, &str, &str, String)> = project
        .items
        .iter()
        .map(|i| {
            (
                i.id.as_str(),
                i.title.as_str(),
                i.kind.as_str(),
                item_href(&i.id),
            )
        })
        .collect();
    let json = serde_json::to_string(&rows).map_err(|err| Error::Template {
        template: "jump-index.js".to_owned(),
        message: err.to_string(),
    })?;
    // A script file (not JSON fetched at run time) so the jump box also works from file://.
    // `<` is escaped so no title can close a script element if someone inlines the file.
    let script = format!(
        "window.TRACEBOOK_JUMP = {};\n",
        json.replace('<', "\\u003c")
    );
    let path = assets.join("jump-index.js");
    std::fs::write(&path, script).map_err(Error::io("writing", &path))?;
    Ok(theme.assets.len() + 1)
}
