//! A whole project: config, items, baselines, the link graph, coverage and all diagnostics.
//!
//! Per-file parsing ([`crate::parse_file`]) is independent, so callers may run it in parallel;
//! [`Project::assemble`] then does the cross-item checks.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use crate::baseline::{Baseline, parse_baseline};
use crate::config::Config;
use crate::coverage::{self, RuleCoverage};
use crate::diagnostic::{self, Diagnostic, Span, codes};
use crate::evidence::{self, Evidence, ResultInputs};
use crate::graph::Graph;
use crate::item::{Item, ParsedFile, parse_file};
use crate::links;

/// Path of the project file, relative to the project root.
pub const CONFIG_FILE: &str = "tracebook.yaml";

/// A loaded and checked project.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The schema (empty when `tracebook.yaml` could not be read).
    pub config: Config,
    /// Items, in kind order then natural id order; each id once.
    pub items: Vec<Item>,
    /// Baselines, by name.
    pub baselines: Vec<Baseline>,
    /// The link graph over `items`.
    pub graph: Graph,
    /// Coverage per rule, in the order of `config.rules`.
    pub coverage: Vec<RuleCoverage>,
    /// Test results and the verdict of every item.
    pub evidence: Evidence,
    /// Every problem, sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
    index: HashMap<String, usize>,
}

/// The inputs of [`Project::assemble`].
#[derive(Debug, Default)]
pub struct Inputs {
    /// `tracebook.yaml` as parsed (`None` if it is not YAML).
    pub config: Option<Config>,
    /// Problems in `tracebook.yaml`.
    pub config_diagnostics: Vec<Diagnostic>,
    /// Parsed content files, in any order.
    pub files: Vec<ParsedFile>,
    /// Baseline files: path relative to the root, and text.
    pub baselines: Vec<(Arc<str>, String)>,
    /// `results/**` files (JUnit XML and run.yaml), parsed.
    pub results: ResultInputs,
}

impl Project {
    /// Loads a project from in-memory files (`path` relative to the root, contents): one
    /// `tracebook.yaml`, items under `content/`, baselines under `baselines/`. Other paths are
    /// JUnit results and run metadata under `results/`; other paths are ignored. This is the
    /// generator's loader without the disk, for tests and tools.
    pub fn from_memory<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Project {
        let files: Vec<(&str, &[u8])> = files.into_iter().collect();
        let config_file: Arc<str> = Arc::from(CONFIG_FILE);
        let mut inputs = Inputs::default();
        match files.iter().find(|(p, _)| *p == CONFIG_FILE) {
            Some((_, bytes)) => {
                let text = String::from_utf8_lossy(bytes);
                (inputs.config, inputs.config_diagnostics) = Config::parse(&config_file, &text);
            }
            None => inputs.config_diagnostics.push(missing_config(&config_file)),
        }
        let mut results = Vec::new();
        for (path, bytes) in &files {
            if is_results_input(path) {
                results.push((Arc::from(*path), bytes.to_vec()));
            } else if is_content_file(path) {
                inputs
                    .files
                    .push(parse_file(&Arc::from(*path), bytes, inputs.config.as_ref()));
            } else if is_baseline_file(path) {
                inputs.baselines.push((
                    Arc::from(*path),
                    String::from_utf8_lossy(bytes).into_owned(),
                ));
            }
        }
        inputs.results = ResultInputs::parse(results);
        Project::assemble(inputs)
    }

    /// Builds the project from parsed parts: ids, links, cycles, coverage, baselines.
    pub fn assemble(inputs: Inputs) -> Project {
        let config_ok = inputs.config.is_some();
        let mut project = Project {
            config: inputs.config.unwrap_or_default(),
            ..Project::default()
        };
        let mut diagnostics = inputs.config_diagnostics;
        let mut items = Vec::new();
        for file in inputs.files {
            diagnostics.extend(file.diagnostics);
            items.extend(file.items);
        }
        // Sort by source first so that "first definition" of a duplicate id is stable.
        let items = sorted_by(items, |a, b| {
            (&a.source.file, a.source.line).cmp(&(&b.source.file, b.source.line))
        });
        let items = dedupe(items, &mut diagnostics);
        project.items = sort_items(items, &project.config);
        project.index = project
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.id.clone(), i))
            .collect();
        project.graph = Graph::build(&project.items, &project.index);
        diagnostics.extend(links::check(&project, config_ok));
        if config_ok {
            let (coverage, problems) = coverage::evaluate(&project);
            project.coverage = coverage;
            diagnostics.extend(problems);
        }
        let (evidence, problems) = evidence::evaluate(&project, inputs.results);
        project.evidence = evidence;
        diagnostics.extend(problems);
        project.baselines = load_baselines(inputs.baselines, &mut diagnostics);
        diagnostic::sort(&mut diagnostics);
        project.diagnostics = diagnostics;
        project
    }

    /// The index of the item with `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The item with `id`.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.index_of(id).map(|i| &self.items[i])
    }

    /// Error and warning counts.
    pub fn counts(&self) -> diagnostic::Counts {
        diagnostic::count(&self.diagnostics)
    }
}

/// Whether a project-relative path is an item file (`content/**/*.md|yaml|yml`).
pub fn is_content_file(path: &str) -> bool {
    path.starts_with("content/")
        && [".md", ".yaml", ".yml"]
            .iter()
            .any(|ext| path.ends_with(ext))
}

/// Whether a project-relative path is read as test results (`results/**/*.xml`, `run.yaml`).
pub fn is_results_input(path: &str) -> bool {
    evidence::is_results_file(path) || evidence::is_run_file(path)
}

/// Whether a project-relative path is a baseline file (`baselines/*.yaml|yml`).
pub fn is_baseline_file(path: &str) -> bool {
    path.strip_prefix("baselines/").is_some_and(|rest| {
        !rest.contains('/') && (rest.ends_with(".yaml") || rest.ends_with(".yml"))
    })
}

/// The diagnostic for a project without `tracebook.yaml`.
pub fn missing_config(file: &Arc<str>) -> Diagnostic {
    Diagnostic::error(
        codes::CONFIG_INVALID_VALUE,
        Span::new(file, 1, 1),
        "tracebook.yaml is missing",
    )
    .with_hint("run `tracebook init` or create tracebook.yaml at the project root")
}

/// The warning for a symbolic link at `path` (project-relative) that a loader did not follow:
/// the file itself stands in for the item, baseline or results file it would have held.
pub fn symlink_not_followed(path: &Arc<str>) -> ParsedFile {
    let warning = Diagnostic::warning(
        codes::SYMLINK_NOT_FOLLOWED,
        Span::new(path, 1, 1),
        format!("{path} is a symbolic link; tracebook does not follow links, so it was not read"),
    )
    .with_hint("replace the link with the file or folder itself, or remove it");
    ParsedFile {
        items: Vec::new(),
        diagnostics: vec![warning],
    }
}

/// Keeps the first item of each id; reports the others with both places.
fn dedupe(items: Vec<Item>, diagnostics: &mut Vec<Diagnostic>) -> Vec<Item> {
    let mut first: HashMap<String, Span> = HashMap::with_capacity(items.len());
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        if let Some(span) = first.get(&item.id) {
            let d = Diagnostic::error(
                codes::DUPLICATE_ID,
                item.source.span(),
                format!("duplicate id {}", item.id),
            )
            .with_related(span.clone(), "first defined here")
            .with_hint("give one of the two items a new id");
            diagnostics.push(d);
        } else {
            first.insert(item.id.clone(), item.source.span());
            kept.push(item);
        }
    }
    kept
}

fn sort_items(items: Vec<Item>, config: &Config) -> Vec<Item> {
    sorted_by(items, |a, b| {
        config
            .kind_order(&a.kind)
            .cmp(&config.kind_order(&b.kind))
            .then_with(|| crate::natural::natural_cmp(&a.id, &b.id))
    })
}

/// `items` in the order of a stable sort by `compare`. Sorts indices and moves each item once:
/// items are a few hundred bytes, and a sort that moves them costs more than the comparisons
/// at 100k items.
fn sorted_by(items: Vec<Item>, compare: impl Fn(&Item, &Item) -> Ordering) -> Vec<Item> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| compare(&items[a], &items[b]));
    let mut slots: Vec<Option<Item>> = items.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

fn load_baselines(
    files: Vec<(Arc<str>, String)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Baseline> {
    let mut baselines: Vec<Baseline> = Vec::new();
    for (file, text) in files {
        let (baseline, problems) = parse_baseline(&file, &text);
        diagnostics.extend(problems);
        let Some(baseline) = baseline else { continue };
        if let Some(first) = baselines.iter().find(|b| b.name == baseline.name) {
            let d = Diagnostic::error(
                codes::DUPLICATE_BASELINE,
                baseline.span.clone(),
                format!("duplicate baseline name {}", baseline.name),
            )
            .with_related(first.span.clone(), "first defined here")
            .with_hint("rename one of the two baselines");
            diagnostics.push(d);
            continue;
        }
        baselines.push(baseline);
    }
    baselines.sort_by(|a, b| crate::natural::natural_cmp(&a.name, &b.name));
    baselines
}
