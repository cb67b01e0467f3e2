//! `tracebook init`: a new project with a starter schema and a few items that pass `check`.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The starter project, embedded so `init` works from any folder.
const STARTER: [(&str, &str); 6] = [
    ("tracebook.yaml", include_str!("starter/tracebook.yaml")),
    (
        "content/needs/STK-001.md",
        include_str!("starter/content/needs/STK-001.md"),
    ),
    (
        "content/requirements/SYS-001.md",
        include_str!("starter/content/requirements/SYS-001.md"),
    ),
    (
        "content/requirements/SYS-002.md",
        include_str!("starter/content/requirements/SYS-002.md"),
    ),
    (
        "content/verification/VER-001.md",
        include_str!("starter/content/verification/VER-001.md"),
    ),
    (".gitignore", "/public\n/.public.*\n/.tracebook\n"),
];

/// Writes the starter project into `dir`; refuses to overwrite an existing project.
pub(crate) fn init(dir: &Path) -> Result<()> {
    for existing in ["tracebook.yaml", "content"] {
        if dir.join(existing).exists() {
            bail!(
                "{} already has {existing}: init never overwrites a project",
                dir.display()
            );
        }
    }
    for (path, text) in STARTER {
        let target = dir.join(path);
        if path == ".gitignore" && target.exists() {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&target, text).with_context(|| format!("writing {}", target.display()))?;
    }
    eprintln!(
        "created a tracebook project in {}: run `tracebook check {0}` and `tracebook build {0}`",
        dir.display()
    );
    Ok(())
}
