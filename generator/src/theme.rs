//! Themes: tera templates plus static assets. The default theme is embedded in the binary so
//! `tracebook build` runs from any folder; `--theme DIR` loads another from disk.

use std::path::Path;

use include_dir::{Dir, include_dir};

use crate::error::{Error, Result};
use crate::incremental::{Digest, Digester};

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../themes/default");

/// Templates every theme must provide.
pub(crate) const TEMPLATES: [&str; 6] = [
    "base.html",
    "dashboard.html",
    "kind.html",
    "item.html",
    "matrix.html",
    "coverage.html",
];

/// A loaded theme.
pub struct Theme {
    pub(crate) tera: tera::Tera,
    /// Files copied to `assets/`: path relative to `static/`, contents.
    pub(crate) assets: Vec<(String, Vec<u8>)>,
    /// Digest of every template and asset: part of every page's digest, so a changed theme
    /// re-renders the whole site.
    pub(crate) digest: Digest,
}

impl Theme {
    /// The theme built into tracebook.
    pub fn embedded() -> Result<Theme> {
        let mut templates = Vec::new();
        let mut assets = Vec::new();
        collect_embedded(&DEFAULT_THEME, &mut templates, &mut assets);
        Theme::from_parts(templates, assets)
    }

    /// A theme folder with `templates/` and `static/`.
    pub fn load(dir: &Path) -> Result<Theme> {
        let mut templates = Vec::new();
        let mut assets = Vec::new();
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|err| Error::Io {
                action: "reading theme",
                path: dir.to_path_buf(),
                source: err.into(),
            })?;
            // walkdir follows a link given as the root: no link is followed, the root included.
            if entry.path_is_symlink() {
                return Err(Error::ThemeLink {
                    path: entry.into_path(),
                });
            }
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(dir) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let bytes = std::fs::read(entry.path()).map_err(Error::io("reading", entry.path()))?;
            sort_file(&rel, bytes, &mut templates, &mut assets);
        }
        Theme::from_parts(templates, assets)
    }

    fn from_parts(
        mut templates: Vec<(String, String)>,
        assets: Vec<(String, Vec<u8>)>,
    ) -> Result<Theme> {
        templates.sort();
        let mut digester = Digester::new("theme", None);
        for (name, source) in &templates {
            digester.bytes(name.as_bytes()).bytes(source.as_bytes());
        }
        for (name, bytes) in &assets {
            digester.bytes(name.as_bytes()).bytes(bytes);
        }
        let digest = digester.finish();
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html"]);
        tera.add_raw_templates(templates)
            .map_err(|err| Error::template("(theme)", &err))?;
        for name in TEMPLATES {
            if !tera.contains_template(name) {
                return Err(Error::Template {
                    template: name.to_owned(),
                    message: "the theme has no such template".to_owned(),
                });
            }
        }
        Ok(Theme {
            tera,
            assets,
            digest,
        })
    }
}

fn collect_embedded(
    dir: &Dir<'static>,
    templates: &mut Vec<(String, String)>,
    assets: &mut Vec<(String, Vec<u8>)>,
) {
    for file in dir.files() {
        let rel = file.path().to_string_lossy().replace('\\', "/");
        sort_file(&rel, file.contents().to_vec(), templates, assets);
    }
    for sub in dir.dirs() {
        collect_embedded(sub, templates, assets);
    }
}

fn sort_file(
    rel: &str,
    bytes: Vec<u8>,
    templates: &mut Vec<(String, String)>,
    assets: &mut Vec<(String, Vec<u8>)>,
) {
    if let Some(name) = rel.strip_prefix("templates/") {
        templates.push((
            name.to_owned(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    } else if let Some(name) = rel.strip_prefix("static/") {
        assets.push((name.to_owned(), bytes));
    }
}
