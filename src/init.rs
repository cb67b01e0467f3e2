//! `tracebook init`: a new project from a template embedded in the binary, that passes `check`.
//!
//! Two templates under src/templates/: the starter (a need, two requirements, a verification
//! case) and the lifecycle template (every systems-engineering area, with a worked example).

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use include_dir::{Dir, DirEntry, include_dir};

use crate::cli::Template;

/// The templates, embedded so `init` works from any folder: every file under
/// src/templates/NAME/, so a file added there needs no code change.
static STARTER: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/templates/starter");
static LIFECYCLE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/templates/lifecycle");

/// Written by every template, unless the folder already has one.
const GITIGNORE: &str = "/public\n/.public.*\n/.tracebook\n";

/// Writes the project of `template` into `dir`; refuses to overwrite an existing project.
pub(crate) fn init(dir: &Path, template: Template) -> Result<()> {
    for existing in ["tracebook.yaml", "content"] {
        if dir.join(existing).exists() {
            bail!(
                "{} already has {existing}: init never overwrites a project",
                dir.display()
            );
        }
    }
    let files = template_files(template);
    // Results files and the like: checked all before any is written, so a refusal writes nothing.
    for (path, _) in &files {
        if path != ".gitignore" && dir.join(path).exists() {
            bail!(
                "{} already has {path}: init never overwrites a project",
                dir.display()
            );
        }
    }
    for (path, bytes) in files {
        let target = dir.join(&path);
        if path == ".gitignore" && target.exists() {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&target, bytes).with_context(|| format!("writing {}", target.display()))?;
    }
    eprintln!(
        "created a tracebook project from the {} template in {}: run `tracebook check {1}` and \
         `tracebook build {1}`",
        template_name(template),
        dir.display()
    );
    Ok(())
}

/// The name of `template` as `--template` spells it.
fn template_name(template: Template) -> String {
    template
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_owned())
}

/// Project-relative path (with `/`) and contents of every file `template` writes, sorted by path.
fn template_files(template: Template) -> Vec<(String, &'static [u8])> {
    let mut files = Vec::new();
    collect(
        match template {
            Template::Starter => &STARTER,
            Template::Lifecycle => &LIFECYCLE,
        },
        &mut files,
    );
    files.sort();
    files.push((".gitignore".to_owned(), GITIGNORE.as_bytes()));
    files
}

/// Every file under an embedded folder, with its path relative to the template's root.
fn collect(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static [u8])>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(sub) => collect(sub, out),
            DirEntry::File(file) => {
                let path = file.path().to_string_lossy().replace('\\', "/");
                out.push((path, file.contents()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_template_has_a_schema_content_and_results() {
        let files = template_files(Template::Lifecycle);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert!(paths.contains(&"tracebook.yaml"), "{paths:?}");
        assert!(paths.contains(&"results/hil/junit.xml"), "{paths:?}");
        assert!(paths.contains(&"results/bench/run.yaml"), "{paths:?}");
        assert!(paths.iter().any(|p| p.starts_with("content/")), "{paths:?}");
        assert_eq!(paths.last(), Some(&".gitignore"));
    }

    #[test]
    fn the_starter_template_is_the_five_files_and_gitignore() {
        let files = template_files(Template::Starter);
        assert_eq!(files.len(), 6);
        assert_eq!(files[0].0, "content/needs/STK-001.md");
    }
}
