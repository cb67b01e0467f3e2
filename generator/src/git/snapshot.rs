//! The project at a commit, read from git objects; and the check that baseline refs resolve.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use git2::{Oid, Tree, TreeWalkMode, TreeWalkResult};
use tracebook_model::diagnostic::{self, codes};
use tracebook_model::evidence::ResultInputs;
use tracebook_model::{
    Baseline, Diagnostic, Inputs, ParsedFile, Project, is_baseline_file, is_content_file,
    is_results_input, symlink_not_followed,
};

use super::cache::{ParseKey, Schema};
use super::{GitError, Repo, is_regular_blob, subtree};

/// Mirrors `crate::load`, with blobs of `tree` in place of files on disk.
pub(super) fn project_in_tree(repo: &Repo, tree: &Tree<'_>) -> Result<Project, GitError> {
    let Some(root) = repo.project_tree(tree)? else {
        // The project folder did not exist at this commit: an empty project, like an empty folder.
        let schema = Schema::missing();
        return Ok(Project::assemble(Inputs {
            config_diagnostics: schema.diagnostics,
            ..Inputs::default()
        }));
    };
    let schema = Schema::read(&repo.repo, &root)?;
    let mut links = Vec::new();
    let keys: Vec<ParseKey> = blobs_under(repo, &root, "content", is_content_file, &mut links)?
        .into_iter()
        .map(|(path, blob)| ParseKey {
            path,
            blob,
            schema: schema.oid,
        })
        .collect();
    let schemas = HashMap::from([(schema.oid, schema)]);
    let parsed = repo.cache.parse(&repo.repo, &keys, &schemas)?;
    let mut inputs = Inputs {
        files: parsed
            .iter()
            .map(|p| ParsedFile {
                items: p.items.clone(),
                diagnostics: p.diagnostics.clone(),
            })
            .collect(),
        ..Inputs::default()
    };
    let schema = schemas.into_values().next().unwrap_or_default();
    (inputs.config, inputs.config_diagnostics) = (schema.config, schema.diagnostics);
    for (path, blob) in blobs_under(repo, &root, "baselines", is_baseline_file, &mut links)? {
        let blob = repo.repo.find_blob(blob)?;
        let text = String::from_utf8_lossy(blob.content()).into_owned();
        inputs.baselines.push((path, text));
    }
    // The results committed with that version: a baseline's evidence is what it shipped with.
    let mut results = Vec::new();
    for (path, blob) in blobs_under(repo, &root, "results", is_results_input, &mut links)? {
        results.push((path, repo.repo.find_blob(blob)?.content().to_vec()));
    }
    // A link is committed as a blob holding its target's path: never resolved, each reported.
    inputs.files.extend(links.iter().map(symlink_not_followed));
    inputs.results = ResultInputs::parse(results);
    Ok(Project::assemble(inputs))
}

/// Regular files under `root/dir` whose project-relative path passes `keep`, with blob ids;
/// the symbolic links there (`dir` itself included) are added to `links`.
fn blobs_under(
    repo: &Repo,
    root: &Tree<'_>,
    dir: &str,
    keep: fn(&str) -> bool,
    links: &mut Vec<Arc<str>>,
) -> Result<Vec<(Arc<str>, Oid)>, GitError> {
    if root
        .get_name(dir)
        .is_some_and(|entry| entry.filemode() == i32::from(git2::FileMode::Link))
    {
        links.push(Arc::from(dir));
        return Ok(Vec::new());
    }
    let Some(top) = subtree(&repo.repo, root, dir)? else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    top.walk(TreeWalkMode::PreOrder, |folder, entry| {
        let mode = entry.filemode();
        let is_link = mode == i32::from(git2::FileMode::Link);
        if is_regular_blob(mode) || is_link {
            let name = String::from_utf8_lossy(entry.name_bytes());
            let path = format!("{dir}/{folder}{name}");
            if is_link {
                links.push(Arc::from(path));
            } else if keep(&path) {
                files.push((Arc::from(path), entry.id()));
            }
        }
        TreeWalkResult::Ok
    })?;
    Ok(files)
}

/// Adds an error to `project` for each baseline whose `ref:` does not resolve in the repository
/// holding `root` (or for every baseline when `root` is not in a git repository).
pub fn check_baseline_refs(root: &Path, project: &mut Project) {
    // Most projects have no baselines; do not even open the repository for them.
    if project.baselines.is_empty() {
        return;
    }
    let repo = Repo::discover(root);
    let problems: Vec<Diagnostic> = project
        .baselines
        .iter()
        .filter_map(|baseline| match &repo {
            Ok(Some(repo)) => match repo.resolve(&baseline.git_ref) {
                Ok(_) => None,
                Err(GitError::UnknownRef { .. }) => Some(unresolved(baseline)),
                Err(err) => Some(unchecked(baseline, &err.to_string())),
            },
            Ok(None) => Some(unchecked(
                baseline,
                "the project is not in a git repository",
            )),
            Err(err) => Some(unchecked(baseline, &err.to_string())),
        })
        .collect();
    if !problems.is_empty() {
        project.diagnostics.extend(problems);
        diagnostic::sort(&mut project.diagnostics);
    }
}

fn unresolved(baseline: &Baseline) -> Diagnostic {
    let git_ref = &baseline.git_ref;
    Diagnostic::error(
        codes::BASELINE_REF_UNRESOLVED,
        baseline.ref_span.clone(),
        format!(
            "baseline {}: ref `{git_ref}` is not a tag, branch or commit of this repository",
            baseline.name
        ),
    )
    .with_hint(format!(
        "create the tag (`git tag {git_ref} <commit>`) or fix `ref:`"
    ))
}

fn unchecked(baseline: &Baseline, why: &str) -> Diagnostic {
    Diagnostic::error(
        codes::BASELINE_REF_UNRESOLVED,
        baseline.ref_span.clone(),
        format!(
            "baseline {}: ref `{}` cannot be resolved: {why}",
            baseline.name, baseline.git_ref
        ),
    )
    .with_hint("run tracebook inside the project's git repository, or remove the baseline")
}
