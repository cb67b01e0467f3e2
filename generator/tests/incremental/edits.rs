//! Random edits of a [`Project`], each returning the paths it touched (relative to the root),
//! which is what a file watcher would report: for a rename both names, for a folder the folder.

use std::collections::BTreeSet;
use std::path::Path;

use super::project::{CONFIG, Item, Kind, Link, Project, Rng, body, render_file, title, write};
use super::results;

/// The kinds of edit; every run of a scenario makes each at least once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Edit {
    /// A body change of an item no pinned link points to.
    Body,
    /// A body change of an item that a pinned link points to: the link becomes suspect.
    Suspect,
    Title,
    Status,
    Field,
    LinkAdded,
    LinkRemoved,
    LinkReviewed,
    ItemAdded,
    ItemDeleted,
    FileRenamed,
    FolderAdded,
    FolderRemoved,
    FolderRenamed,
    Config,
    /// A `readiness:` rule added to `tracebook.yaml` (all of them removed once each is in).
    Readiness,
    /// A new JUnit file, alone or in a new run folder with its `run.yaml`.
    ResultsAdded,
    /// A case of a JUnit file changes its outcome (mostly: a passing case fails).
    CaseFlipped,
    /// A `results:` entry added to a verification item.
    EntryAdded,
    /// A `results:` entry removed from a verification item.
    EntryRemoved,
    /// A run's `run.yaml` written again (another date, commit and counts).
    RunEdited,
    /// A JUnit file deleted, or a whole run folder.
    ResultsDeleted,
    /// Invalid YAML in a file, or a link that is an error: the build fails and publishes
    /// nothing. The step after it restores the file.
    Broken,
}

impl Edit {
    pub(crate) const ALL: [Edit; 23] = [
        Edit::Body,
        Edit::Suspect,
        Edit::Title,
        Edit::Status,
        Edit::Field,
        Edit::LinkAdded,
        Edit::LinkRemoved,
        Edit::LinkReviewed,
        Edit::ItemAdded,
        Edit::ItemDeleted,
        Edit::FileRenamed,
        Edit::FolderAdded,
        Edit::FolderRemoved,
        Edit::FolderRenamed,
        Edit::Config,
        Edit::Readiness,
        Edit::ResultsAdded,
        Edit::CaseFlipped,
        Edit::EntryAdded,
        Edit::EntryRemoved,
        Edit::RunEdited,
        Edit::ResultsDeleted,
        Edit::Broken,
    ];
}

/// `steps` edits in random order: every kind of [`Edit`] at least once, `Broken` exactly
/// `broken` times (so most steps publish).
pub(crate) fn schedule(rng: &mut Rng, steps: usize, broken: usize) -> Vec<Edit> {
    let kinds: Vec<Edit> = Edit::ALL
        .into_iter()
        .filter(|e| *e != Edit::Broken)
        .collect();
    let mut edits = kinds.clone();
    edits.extend(std::iter::repeat_n(Edit::Broken, broken.max(1)));
    while edits.len() < steps {
        edits.push(*rng.pick(&kinds));
    }
    rng.shuffle(&mut edits);
    edits
}

/// Applies `edit` to the model and returns the touched paths; `None` when it does not apply
/// to the project as it is (no link to remove, ...). `Broken` is not a model edit: see
/// [`break_file`].
pub(crate) fn apply(project: &mut Project, rng: &mut Rng, edit: Edit) -> Option<Vec<String>> {
    match edit {
        Edit::Body => {
            // Not an item a pinned link points to: that is `Suspect`.
            let pinned = pinned_targets(project);
            let filter = |i: &Item| i.kind != Kind::Hazard && !pinned.contains(&i.id);
            change_item(project, rng, filter, change_body)
        }
        Edit::Suspect => make_suspect(project, rng),
        Edit::Title => change_item(
            project,
            rng,
            |_| true,
            |item, rng| {
                item.title = different(rng, &item.title, title);
            },
        ),
        Edit::Status => change_item(
            project,
            rng,
            |_| true,
            |item, rng| {
                let kind = item.kind;
                item.status = different(rng, &item.status, |rng| *rng.pick(kind.statuses()));
            },
        ),
        Edit::Field => change_item(project, rng, |i| i.kind != Kind::Need, change_field),
        Edit::LinkAdded => add_link(project, rng),
        Edit::LinkRemoved => change_item(
            project,
            rng,
            |i| !i.links.is_empty(),
            |item, rng| {
                let at = rng.below(item.links.len());
                item.links.remove(at);
            },
        ),
        Edit::LinkReviewed => review_link(project, rng),
        Edit::ItemAdded => add_item(project, rng),
        Edit::ItemDeleted => delete_item(project, rng),
        Edit::FileRenamed => rename_file(project, rng),
        Edit::FolderAdded => add_folder(project, rng),
        Edit::FolderRemoved => remove_folder(project, rng),
        Edit::FolderRenamed => rename_folder(project, rng),
        Edit::Config => Some(change_config(project, rng)),
        Edit::Readiness => Some(add_readiness_rule(project, rng)),
        Edit::ResultsAdded => results::add_file(project, rng),
        Edit::CaseFlipped => results::flip_case(project, rng),
        Edit::EntryAdded => results::add_entry(project, rng),
        Edit::EntryRemoved => results::remove_entry(project, rng),
        Edit::RunEdited => results::edit_run(project, rng),
        Edit::ResultsDeleted => results::delete_file(project, rng),
        Edit::Broken => None,
    }
}

/// Makes one file an error (the model keeps the good version) and returns its path; by
/// `which` (mod 3): invalid YAML in a content file, a link that is an error (a cycle of
/// `derives_from`, an acyclic link kind, or a link to an unknown item), invalid YAML in
/// `tracebook.yaml`.
pub(crate) fn break_file(project: &Project, rng: &mut Rng, root: &Path, which: usize) -> String {
    let (rel, bad) = match which % 3 {
        2 => {
            let good = project.text_of(CONFIG).expect("BUG: the config");
            (
                CONFIG.to_owned(),
                good.replace("kinds:", "kinds: [unclosed"),
            )
        }
        1 => break_link(project, rng),
        _ => {
            let files: Vec<&String> = project.files.keys().collect();
            let rel = (*rng.pick(&files)).clone();
            let good = project.text_of(&rel).expect("BUG: listed");
            (rel, good.replacen("title: ", "title: [unclosed, ", 1))
        }
    };
    write(&root.join(&rel), &bad);
    rel
}

/// A requirement's file with a `derives_from` link back to a requirement that derives from
/// it (a cycle), or with a link to an item that does not exist.
fn break_link(project: &Project, rng: &mut Rng) -> (String, String) {
    let requirements: Vec<(&String, &Item)> = project
        .files
        .iter()
        .flat_map(|(rel, items)| items.iter().map(move |i| (rel, i)))
        .filter(|(_, i)| i.kind == Kind::Requirement)
        .collect();
    let (rel, item) = *rng.pick(&requirements);
    let derived_from = item
        .links
        .iter()
        .find(|l| l.kind == "derives_from" && l.target.starts_with("SYS-"));
    let (rel, mut broken, link) = match derived_from {
        Some(link) => {
            let (rel, target) = requirements
                .iter()
                .find(|(_, i)| i.id == link.target)
                .expect("BUG: a known target");
            let back = Link {
                kind: "derives_from",
                target: item.id.clone(),
                reviewed: None,
            };
            (*rel, (*target).clone(), back)
        }
        None => {
            let unknown = Link {
                kind: "mitigates",
                target: "HAZ-999".to_owned(),
                reviewed: None,
            };
            (rel, item.clone(), unknown)
        }
    };
    broken.links.push(link);
    let mut items = project.files[rel].clone();
    let at = items.iter().position(|i| i.id == broken.id).expect("BUG");
    items[at] = broken;
    (rel.clone(), render_file(rel, &items))
}

/// A value from `make` that differs from `old` (tries a few times).
fn different<T: PartialEq>(rng: &mut Rng, old: &T, mut make: impl FnMut(&mut Rng) -> T) -> T {
    for _ in 0..50 {
        let new = make(rng);
        if new != *old {
            return new;
        }
    }
    panic!("BUG: no different value");
}

/// Items that a link pinned with `reviewed:` points to.
fn pinned_targets(project: &Project) -> BTreeSet<String> {
    project
        .items()
        .flat_map(|i| &i.links)
        .filter(|l| l.reviewed.is_some())
        .map(|l| l.target.clone())
        .collect()
}

/// Changes the body of an item that a pinned link points to (pinning one first when none
/// does), so that the link becomes suspect.
fn make_suspect(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let links: Vec<(String, usize, String, bool)> = project
        .items()
        .flat_map(|i| {
            i.links
                .iter()
                .enumerate()
                .map(|(n, l)| (i.id.clone(), n, l.target.clone(), l.reviewed.is_some()))
        })
        .filter(|(_, _, target, _)| !target.starts_with("HAZ-"))
        .collect();
    let pinned: Vec<_> = links.iter().filter(|l| l.3).cloned().collect();
    let (source, n, target, is_pinned) = rng
        .pick(if pinned.is_empty() { &links } else { &pinned })
        .clone();
    let mut touched = Vec::new();
    if !is_pinned {
        let fingerprint = project.fingerprints().remove(&target);
        project.item_mut(&source).links[n].reviewed = fingerprint;
        touched.push(file_of(project, &source));
    }
    change_body(project.item_mut(&target), rng);
    touched.push(file_of(project, &target));
    Some(touched)
}

fn change_body(item: &mut Item, rng: &mut Rng) {
    if rng.chance(50) {
        item.body
            .push_str("\nThe alarm **must** be audible at 1 m.\n");
    } else {
        item.body = different(rng, &item.body, body);
    }
}

fn change_field(item: &mut Item, rng: &mut Rng) {
    let (name, values) = item.kind.enum_field().expect("BUG: kind without fields");
    match item.fields.iter_mut().find(|(n, _)| *n == name) {
        // Priority is optional: sometimes it goes away.
        Some(_) if item.kind == Kind::Requirement && rng.chance(30) => {
            item.fields.retain(|(n, _)| *n != name);
        }
        Some((_, value)) => {
            *value = different(rng, &*value, |rng| (*rng.pick(values)).to_owned());
        }
        None => item
            .fields
            .insert(0, (name, (*rng.pick(values)).to_owned())),
    }
}

/// Changes one item that `filter` accepts with `change`.
fn change_item(
    project: &mut Project,
    rng: &mut Rng,
    filter: impl Fn(&Item) -> bool,
    change: impl FnOnce(&mut Item, &mut Rng),
) -> Option<Vec<String>> {
    let candidates: Vec<(String, String)> = project
        .files
        .iter()
        .flat_map(|(path, items)| {
            items
                .iter()
                .filter(|i| filter(i))
                .map(|i| (path.clone(), i.id.clone()))
        })
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let (path, id) = rng.pick(&candidates).clone();
    change(project.item_mut(&id), rng);
    Some(vec![path])
}

fn file_of(project: &Project, id: &str) -> String {
    project
        .ids()
        .into_iter()
        .find(|(_, i)| i == id)
        .map(|(path, _)| path)
        .expect("BUG: no such item")
}

fn add_link(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let choices: Vec<(String, (&'static str, String))> = project
        .items()
        .flat_map(|i| {
            project
                .link_options(i)
                .into_iter()
                .map(|o| (i.id.clone(), o))
                .collect::<Vec<_>>()
        })
        .collect();
    if choices.is_empty() {
        return None;
    }
    let (id, (kind, target)) = rng.pick(&choices).clone();
    let reviewed = if rng.chance(40) {
        project.fingerprints().remove(&target)
    } else {
        None
    };
    project.item_mut(&id).links.push(Link {
        kind,
        target,
        reviewed,
    });
    Some(vec![file_of(project, &id)])
}

/// Re-pins a suspect link to its target's fingerprint now (a review), or pins one that was
/// not pinned yet.
fn review_link(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let fingerprints = project.fingerprints();
    let mut suspect = Vec::new();
    let mut unpinned = Vec::new();
    for item in project.items() {
        for (n, link) in item.links.iter().enumerate() {
            match &link.reviewed {
                Some(fp) if Some(fp) != fingerprints.get(&link.target) => {
                    suspect.push((item.id.clone(), n));
                }
                Some(_) => {}
                None => unpinned.push((item.id.clone(), n)),
            }
        }
    }
    let pool = if suspect.is_empty() {
        unpinned
    } else {
        suspect
    };
    if pool.is_empty() {
        return None;
    }
    let (id, n) = rng.pick(&pool).clone();
    let link = &mut project.item_mut(&id).links[n];
    link.reviewed = fingerprints.get(&link.target).cloned();
    Some(vec![file_of(project, &id)])
}

/// Folders holding Markdown items.
fn md_folders(project: &Project) -> Vec<String> {
    let folders: BTreeSet<String> = project
        .files
        .keys()
        .filter(|p| p.ends_with(".md"))
        .filter_map(|p| p.rsplit_once('/').map(|(folder, _)| folder.to_owned()))
        .collect();
    folders.into_iter().collect()
}

/// Folders of Markdown items without sub-folders, `content` itself aside.
fn leaf_folders(project: &Project) -> Vec<String> {
    let folders = md_folders(project);
    folders
        .iter()
        .filter(|f| !folders.iter().any(|o| o.starts_with(&format!("{f}/"))))
        .filter(|f| f.as_str() != "content")
        .cloned()
        .collect()
}

fn add_item(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let kind = *rng.pick(&Kind::ALL);
    let item = project.new_item(rng, kind);
    if kind == Kind::Hazard {
        let path = "content/hazards.yaml".to_owned();
        project.files.entry(path.clone()).or_default().push(item);
        return Some(vec![path]);
    }
    let folders = md_folders(project);
    let folder = if folders.is_empty() {
        "content".to_owned()
    } else {
        rng.pick(&folders).clone()
    };
    Some(vec![project.insert_md(&folder, item)])
}

/// Removes `ids` and every link to them; returns the files of the items that lost links.
fn forget(project: &mut Project, ids: &[String]) -> Vec<String> {
    let mut touched = Vec::new();
    for (path, items) in &mut project.files {
        for item in items.iter_mut() {
            let before = item.links.len();
            item.links.retain(|l| !ids.contains(&l.target));
            if item.links.len() != before && !touched.contains(path) {
                touched.push(path.clone());
            }
        }
    }
    touched
}

/// Adds folders of new items while the project has fewer than 50 items, so that deletions
/// leave a site worth building incrementally; returns the new folders.
fn keep_size(project: &mut Project, rng: &mut Rng) -> Vec<String> {
    let mut added = Vec::new();
    while project.items().count() < 50 {
        added.extend(add_folder(project, rng).expect("BUG: a folder can always be added"));
    }
    added
}

fn delete_item(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let added = keep_size(project, rng);
    let ids = project.ids();
    let (path, id) = rng.pick(&ids).clone();
    let items = project.files.get_mut(&path).expect("BUG: listed");
    items.retain(|i| i.id != id);
    if items.is_empty() {
        project.files.remove(&path);
    }
    let mut touched = vec![path];
    for other in forget(project, &[id]) {
        if !touched.contains(&other) {
            touched.push(other);
        }
    }
    touched.extend(added);
    Some(touched)
}

fn rename_file(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let md: Vec<String> = project
        .files
        .keys()
        .filter(|p| p.ends_with(".md"))
        .cloned()
        .collect();
    if md.is_empty() {
        return None;
    }
    let from = rng.pick(&md).clone();
    let folders = md_folders(project);
    let folder = rng.pick(&folders).clone();
    let stem = from
        .rsplit('/')
        .next()
        .expect("name")
        .trim_end_matches(".md");
    let to = format!("{folder}/{stem}-{}.md", rng.below(1000));
    if project.files.contains_key(&to) {
        return None;
    }
    let items = project.files.remove(&from).expect("BUG: listed");
    project.files.insert(to.clone(), items);
    Some(vec![from, to])
}

fn add_folder(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    project.folders_made += 1;
    let parent = if rng.chance(50) {
        "content"
    } else {
        "content/system"
    };
    let folder = format!("{parent}/area-{}", project.folders_made);
    let need = project.new_item(rng, Kind::Need);
    let mut requirement = project.new_item(rng, Kind::Requirement);
    requirement.links.push(Link {
        kind: "derives_from",
        target: need.id.clone(),
        reviewed: None,
    });
    let mut verification = project.new_item(rng, Kind::Verification);
    verification.links = vec![Link {
        kind: "verifies",
        target: requirement.id.clone(),
        reviewed: None,
    }];
    for item in [need, requirement, verification] {
        project.insert_md(&folder, item);
    }
    Some(vec![folder])
}

/// Removes a folder without sub-folders (one of the smallest), its items and links to them.
fn remove_folder(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let added = keep_size(project, rng);
    let leaves: Vec<(usize, String)> = leaf_folders(project)
        .into_iter()
        .map(|f| {
            let prefix = format!("{f}/");
            let count = project
                .files
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .count();
            (count, f)
        })
        .collect();
    let smallest = leaves.iter().map(|(n, _)| *n).min()?;
    let small: Vec<&String> = leaves
        .iter()
        .filter(|(n, _)| *n <= smallest.max(6))
        .map(|(_, f)| f)
        .collect();
    let folder = (*rng.pick(&small)).clone();
    let prefix = format!("{folder}/");
    let gone: Vec<String> = project
        .files
        .iter()
        .filter(|(k, _)| k.starts_with(&prefix))
        .flat_map(|(_, items)| items.iter().map(|i| i.id.clone()))
        .collect();
    project.files.retain(|k, _| !k.starts_with(&prefix));
    let mut touched = vec![folder];
    touched.extend(forget(project, &gone));
    for folder in added {
        if !touched.contains(&folder) {
            touched.push(folder);
        }
    }
    Some(touched)
}

/// Moves a folder without sub-folders, with everything in it.
fn rename_folder(project: &mut Project, rng: &mut Rng) -> Option<Vec<String>> {
    let leaves = leaf_folders(project);
    if leaves.is_empty() {
        return None;
    }
    let from = rng.pick(&leaves).clone();
    project.folders_made += 1;
    let to = format!("content/moved-{}", project.folders_made);
    let prefix = format!("{from}/");
    let moving: Vec<String> = project
        .files
        .keys()
        .filter(|k| k.starts_with(&prefix))
        .cloned()
        .collect();
    for old in moving {
        let items = project.files.remove(&old).expect("BUG: listed");
        project
            .files
            .insert(format!("{to}/{}", &old[prefix.len()..]), items);
    }
    Some(vec![from, to])
}

fn change_config(project: &mut Project, rng: &mut Rng) -> Vec<String> {
    let schema = &mut project.schema;
    match rng.below(6) {
        0 => schema.project = format!("Infusion Pump IP-{}", 200 + rng.below(800)),
        1 => {
            schema.need_title = if schema.need_title == "Stakeholder need" {
                "User need"
            } else {
                "Stakeholder need"
            }
        }
        2 => schema.has_assumptions = !schema.has_assumptions,
        3 => schema.has_relates_to = !schema.has_relates_to,
        4 => schema.has_areas = !schema.has_areas,
        _ => schema.has_mitigation_rule = !schema.has_mitigation_rule,
    }
    vec![CONFIG.to_owned()]
}

/// Readiness rules an edit adds to `tracebook.yaml`, one at a time.
const READINESS_RULES: [&str; 8] = [
    "{ check: evidence_complete }",
    "{ check: no_errors }",
    "{ check: verified, kinds: [requirement], statuses: [approved] }",
    "{ check: mitigated, kinds: [hazard], link: mitigates }",
    "{ check: no_suspect_links }",
    "{ check: covered }",
    "{ check: no_items, kinds: [verification], statuses: [failed], title: No failed verification }",
    "{ check: no_warnings }",
];

/// Adds a readiness rule the schema does not have yet; once it has them all, removes them
/// (back to the defaults).
fn add_readiness_rule(project: &mut Project, rng: &mut Rng) -> Vec<String> {
    let rules = &mut project.schema.readiness;
    let missing: Vec<&'static str> = READINESS_RULES
        .into_iter()
        .filter(|r| !rules.contains(r))
        .collect();
    if missing.is_empty() {
        rules.clear();
    } else {
        rules.push(*rng.pick(&missing));
    }
    vec![CONFIG.to_owned()]
}
