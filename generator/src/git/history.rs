//! Item history: one walk over the log from HEAD; per commit, only the files it changed are
//! parsed (cached by blob id), and each item is compared by id, so an item that moved to
//! another file (a rename, or out of a YAML list) keeps its history.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use git2::{ErrorCode, ObjectType, Oid, Repository, Sort, Tree, TreeEntry};
use rayon::prelude::*;
use serde::Serialize;
use tracebook_model::{CONFIG_FILE, Fingerprint, Item, Link, ParsedFile, is_content_file};

use super::cache::{ParseKey, Schema};
use super::steps_cache::StepsCache;
use super::{CommitInfo, GitError, Repo, blob_at, is_regular_blob, subtree};

/// Commits that touched each item, newest first.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Every commit that touched an item, newest first.
    pub commits: Vec<CommitInfo>,
    /// Per item id: what each commit did to it, newest first.
    pub items: HashMap<String, Vec<ItemEvent>>,
}

impl History {
    /// Events of one item, newest first (empty when git never saw it: not yet committed).
    pub fn of(&self, id: &str) -> &[ItemEvent] {
        self.items.get(id).map_or(&[], Vec::as_slice)
    }
}

/// What one commit did to one item.
#[derive(Debug, Clone, Serialize)]
pub struct ItemEvent {
    /// Index into [`History::commits`].
    pub commit: usize,
    /// Added, modified, moved, removed.
    pub kind: ItemEventKind,
    /// The item's file after the commit (before it, for `Removed`).
    pub file: String,
    /// Fingerprint after the commit (before it, for `Removed`).
    pub fingerprint: String,
}

/// What happened to an item in a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemEventKind {
    /// The item appeared.
    Added,
    /// Its content, status, tags or links changed.
    Modified,
    /// It moved to another file unchanged (a rename, or a split of a YAML list).
    Moved,
    /// It disappeared.
    Removed,
}

/// The history of the items under `repo`'s project, from one first-parent walk from HEAD.
///
/// Only the first-parent chain is walked, and a merge is diffed against its first parent: the
/// merge then carries a branch's changes once, instead of both the branch commits and the merge
/// claiming them. Three passes: list what each commit changed under `content/` (tree diffs,
/// cheap), parse every distinct blob involved at once on the thread pool (through the cache),
/// then replay the changes oldest first, comparing items by id.
pub(super) fn history(repo: &Repo) -> Result<History, GitError> {
    let log = first_parent_log(&repo.repo)?;
    let mut schemas = HashMap::new();
    let steps = content_steps(repo, &log, &mut schemas)?;
    let keys: Vec<ParseKey> = steps.iter().flat_map(Step::keys).collect();
    let parsed = repo.cache.parse(&repo.repo, &keys, &schemas)?;
    let parsed: HashMap<ParseKey, Arc<ParsedFile>> = keys.into_iter().zip(parsed).collect();
    let mut ids = IdIndex::default();
    let mut touched: Vec<(Oid, Vec<Pending>)> = Vec::new();
    for step in &steps {
        let events = ids.apply(step, &parsed);
        if !events.is_empty() {
            touched.push((step.commit, events));
        }
    }
    let mut history = History::default();
    for (index, (commit, events)) in touched.into_iter().rev().enumerate() {
        history
            .commits
            .push(CommitInfo::of(&repo.repo.find_commit(commit)?));
        for (id, kind, file, fingerprint) in events {
            history.items.entry(id).or_default().push(ItemEvent {
                commit: index,
                kind,
                file: file.to_string(),
                fingerprint: fingerprint.to_string(),
            });
        }
    }
    Ok(history)
}

/// Commits on HEAD's first-parent chain, oldest first; empty for an unborn HEAD.
fn first_parent_log(repo: &Repository) -> Result<Vec<Oid>, GitError> {
    let head = match repo.head() {
        Ok(head) => head.peel_to_commit()?.id(),
        Err(err) if matches!(err.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            return Ok(Vec::new());
        }
        Err(err) => return Err(err.into()),
    };
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    walk.simplify_first_parent()?;
    walk.push(head)?;
    let mut log = walk.collect::<Result<Vec<Oid>, _>>()?;
    log.reverse();
    Ok(log)
}

/// A commit that changed content files: each file's blob before and after.
pub(super) struct Step {
    pub(super) commit: Oid,
    pub(super) schema: Option<Oid>,
    pub(super) changes: Vec<Change>,
}

pub(super) struct Change {
    pub(super) path: Arc<str>,
    pub(super) old: Option<Oid>,
    pub(super) new: Option<Oid>,
}

impl Step {
    /// Both sides are parsed with this commit's schema, so a schema change alone is no event.
    fn keys(&self) -> impl Iterator<Item = ParseKey> + '_ {
        self.changes.iter().flat_map(move |c| {
            [c.old, c.new]
                .into_iter()
                .flatten()
                .map(move |blob| ParseKey {
                    path: Arc::clone(&c.path),
                    blob,
                    schema: self.schema,
                })
        })
    }

    fn key(&self, change: &Change, blob: Option<Oid>) -> Option<ParseKey> {
        blob.map(|blob| ParseKey {
            path: Arc::clone(&change.path),
            blob,
            schema: self.schema,
        })
    }
}

/// The commits of `log` (oldest first) whose `content/` tree differs from the previous one's.
/// Commits already in the on-disk cache are not diffed again. Reading trees is most of the
/// cost and commits are independent (each against its parent), so the rest is cut into one run
/// of commits per thread, each with its own repository handle (a libgit2 repository must not
/// be shared between threads).
fn content_steps(repo: &Repo, log: &[Oid], schemas: &mut Schemas) -> Result<Vec<Step>, GitError> {
    let root = repo.workdir.join(&repo.prefix);
    let mut cache = StepsCache::load(&root, &repo.prefix);
    let missing: Vec<usize> = (0..log.len())
        .filter(|&i| !cache.commits.contains_key(&log[i]))
        .collect();
    let chunk = missing
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(MIN_COMMITS_PER_THREAD);
    let (git_dir, prefix) = (repo.repo.path().to_path_buf(), repo.prefix.as_str());
    let runs = missing
        .par_chunks(chunk)
        .map(|indexes| {
            let git = Repository::open(&git_dir)?;
            content_steps_of(&git, prefix, log, indexes)
        })
        .collect::<Result<Vec<_>, GitError>>()?;
    for (run, run_schemas) in runs {
        cache.commits.extend(run);
        for (oid, schema) in run_schemas {
            schemas.entry(oid).or_insert(schema);
        }
    }
    if !missing.is_empty() {
        cache.save(&root, &repo.prefix);
    }
    let mut steps = Vec::new();
    for commit in log {
        let Some(Some(step)) = cache.commits.remove(commit) else {
            continue;
        };
        if step.changes.is_empty() {
            continue;
        }
        if let Entry::Vacant(slot) = schemas.entry(step.schema) {
            slot.insert(Schema::of_blob(&repo.repo, step.schema)?);
        }
        steps.push(step);
    }
    Ok(steps)
}

/// The schema (`tracebook.yaml`) of each config blob seen, `None` for a tree without one.
type Schemas = HashMap<Option<Oid>, Schema>;

/// Per commit: what it changed, `None` when its `content/` tree is its parent's.
type CommitSteps = Vec<(Oid, Option<Step>)>;

/// Below this many commits per thread, opening another repository handle is not worth it.
const MIN_COMMITS_PER_THREAD: usize = 64;

/// What each commit `log[i]` of `indexes` changed against its first parent `log[i - 1]`:
/// `None` when its `content/` tree is the parent's.
fn content_steps_of(
    git: &Repository,
    prefix: &str,
    log: &[Oid],
    indexes: &[usize],
) -> Result<(CommitSteps, Schemas), GitError> {
    let content_of = |commit: Oid| -> Result<(Option<Tree<'_>>, Option<Tree<'_>>), GitError> {
        let tree = git.find_commit(commit)?.tree()?;
        let root = match prefix.trim_end_matches('/') {
            "" => Some(tree),
            path => subtree(git, &tree, path)?,
        };
        let content = match &root {
            Some(root) => subtree(git, root, "content")?,
            None => None,
        };
        Ok((root, content))
    };
    let mut steps = Vec::with_capacity(indexes.len());
    let mut schemas = HashMap::new();
    let mut trees = TreeCache::default();
    // The previous commit's content tree, while `indexes` runs on without gaps.
    let mut previous: Option<(usize, Option<Tree<'_>>)> = None;
    for &i in indexes {
        let commit = log[i];
        let parent = match previous.take() {
            Some((p, tree)) if p + 1 == i => tree,
            _ => match i.checked_sub(1) {
                Some(p) => content_of(log[p])?.1,
                None => None,
            },
        };
        let (root, content) = content_of(commit)?;
        // Equal tree ids mean nothing below changed: most commits stop here.
        if parent.as_ref().map(Tree::id) == content.as_ref().map(Tree::id) {
            steps.push((commit, None));
            previous = Some((i, content));
            continue;
        }
        let schema = match &root {
            Some(root) => blob_at(root, CONFIG_FILE)?,
            None => None,
        };
        if let Entry::Vacant(slot) = schemas.entry(schema) {
            slot.insert(match &root {
                Some(root) => Schema::read(git, root)?,
                None => Schema::missing(),
            });
        }
        let changes = changed_files(git, parent.as_ref(), content.as_ref(), &mut trees)?;
        steps.push((
            commit,
            Some(Step {
                commit,
                schema,
                changes,
            }),
        ));
        previous = Some((i, content));
    }
    Ok((steps, schemas))
}

/// Content files that differ between two `content/` trees, in path order. No rename detection:
/// items are followed by id, which also follows them out of YAML lists.
fn changed_files<'r>(
    repo: &'r Repository,
    old: Option<&Tree<'r>>,
    new: Option<&Tree<'r>>,
    trees: &mut TreeCache<'r>,
) -> Result<Vec<Change>, GitError> {
    let mut changes = Vec::new();
    trees.next_commit();
    diff_trees(repo, old, new, "content/", trees, &mut changes)?;
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}

/// A tree-to-tree diff that never enters two subtrees with the same id. libgit2's
/// `diff_tree_to_tree` visits every entry of both sides; over 10k files that made a history of
/// 1,000 commits take seconds instead of milliseconds. Both sides are walked together in git's
/// entry order (a merge join), so a folder of 5,000 files costs one pass, not 5,000 lookups.
fn diff_trees<'r>(
    repo: &'r Repository,
    old: Option<&Tree<'r>>,
    new: Option<&Tree<'r>>,
    dir: &str,
    trees: &mut TreeCache<'r>,
    changes: &mut Vec<Change>,
) -> Result<(), GitError> {
    let mut olds = old.into_iter().flat_map(Tree::iter).peekable();
    let mut news = new.into_iter().flat_map(Tree::iter).peekable();
    loop {
        let order = match (olds.peek(), news.peek()) {
            (None, None) => return Ok(()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) => git_order(a, b),
        };
        let (a, b) = match order {
            Ordering::Less => (olds.next(), None),
            Ordering::Greater => (None, news.next()),
            Ordering::Equal => (olds.next(), news.next()),
        };
        diff_entry(repo, a.as_ref(), b.as_ref(), dir, trees, changes)?;
    }
}

/// Git's order of tree entries: by name, a folder's name compared as if it ended in `/`.
fn git_order(a: &TreeEntry<'_>, b: &TreeEntry<'_>) -> Ordering {
    order_key(a).cmp(order_key(b))
}

fn order_key<'a>(entry: &'a TreeEntry<'_>) -> impl Iterator<Item = u8> + 'a {
    let slash = (entry.kind() == Some(ObjectType::Tree)).then_some(b'/');
    entry.name_bytes().iter().copied().chain(slash)
}

/// Folder trees read by the previous commit's diff: its new side is the next commit's old
/// side, so each folder version is read from the object database once, not twice.
#[derive(Default)]
struct TreeCache<'r> {
    previous: HashMap<Oid, Tree<'r>>,
    current: HashMap<Oid, Tree<'r>>,
}

impl<'r> TreeCache<'r> {
    fn get(&mut self, repo: &'r Repository, id: Oid) -> Result<Tree<'r>, GitError> {
        if let Some(tree) = self.current.get(&id).or_else(|| self.previous.get(&id)) {
            return Ok(tree.clone());
        }
        let tree = repo.find_tree(id)?;
        self.current.insert(id, tree.clone());
        Ok(tree)
    }

    /// Starts the next commit: what this one read becomes "previous".
    fn next_commit(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }
}

/// One name of a folder on both sides: a file, a folder, or one turned into the other.
fn diff_entry<'r>(
    repo: &'r Repository,
    old: Option<&TreeEntry<'_>>,
    new: Option<&TreeEntry<'_>>,
    dir: &str,
    trees: &mut TreeCache<'r>,
    changes: &mut Vec<Change>,
) -> Result<(), GitError> {
    if let (Some(a), Some(b)) = (old, new)
        && a.id() == b.id()
        && a.filemode() == b.filemode()
    {
        return Ok(());
    }
    let Some(name) = new.or(old).map(|e| String::from_utf8_lossy(e.name_bytes())) else {
        return Ok(());
    };
    let mut tree = |e: Option<&TreeEntry<'_>>| -> Result<Option<Tree<'r>>, GitError> {
        match e {
            Some(e) if e.kind() == Some(ObjectType::Tree) => Ok(Some(trees.get(repo, e.id())?)),
            _ => Ok(None),
        }
    };
    let (old_tree, new_tree) = (tree(old)?, tree(new)?);
    if old_tree.is_some() || new_tree.is_some() {
        let dir = format!("{dir}{name}/");
        diff_trees(
            repo,
            old_tree.as_ref(),
            new_tree.as_ref(),
            &dir,
            trees,
            changes,
        )?;
    }
    let blob = |e: Option<&TreeEntry<'_>>| {
        e.filter(|e| is_regular_blob(e.filemode()))
            .map(TreeEntry::id)
    };
    let (old_blob, new_blob) = (blob(old), blob(new));
    let path = format!("{dir}{name}");
    if (old_blob.is_some() || new_blob.is_some()) && is_content_file(&path) {
        changes.push(Change {
            path: Arc::from(path),
            old: old_blob,
            new: new_blob,
        });
    }
    Ok(())
}

/// An event before commits are numbered: item id, kind, file and fingerprint.
type Pending = (String, ItemEventKind, Arc<str>, Fingerprint);

/// Which ids each content file defines, as of the commit being replayed; it answers "is this
/// id still defined in a file the commit did not touch" without parsing those files.
#[derive(Default)]
struct IdIndex {
    files: HashMap<Arc<str>, Vec<String>>,
    counts: HashMap<String, u32>,
}

impl IdIndex {
    /// Replays one step and returns its events, by id.
    fn apply(&mut self, step: &Step, parsed: &HashMap<ParseKey, Arc<ParsedFile>>) -> Vec<Pending> {
        let items = |pick: fn(&Change) -> Option<Oid>| {
            let mut by_id: HashMap<&str, &Item> = HashMap::new();
            for change in &step.changes {
                let Some(file) = step.key(change, pick(change)).and_then(|k| parsed.get(&k)) else {
                    continue;
                };
                for item in &file.items {
                    // With a duplicate id, the first definition counts, as in the model.
                    by_id.entry(item.id.as_str()).or_insert(item);
                }
            }
            by_id
        };
        let (old, new) = (items(|c| c.old), items(|c| c.new));
        for change in &step.changes {
            self.remove(&change.path);
        }
        let mut events = Vec::new();
        for (&id, &item) in &new {
            let kind = match old.get(id) {
                Some(before) if differs(before, item) => ItemEventKind::Modified,
                Some(before) if before.source.file != item.source.file => ItemEventKind::Moved,
                Some(_) => continue,
                // Also defined in an untouched file: a new duplicate, not a new item.
                None if self.counts.contains_key(id) => continue,
                None => ItemEventKind::Added,
            };
            events.push(pending(id, kind, item));
        }
        for (&id, &item) in &old {
            if !new.contains_key(id) && !self.counts.contains_key(id) {
                events.push(pending(id, ItemEventKind::Removed, item));
            }
        }
        for change in &step.changes {
            if let Some(file) = step.key(change, change.new).and_then(|k| parsed.get(&k)) {
                let ids = file.items.iter().map(|item| item.id.clone()).collect();
                self.add(Arc::clone(&change.path), ids);
            }
        }
        events.sort_by(|a, b| a.0.cmp(&b.0));
        events
    }

    fn remove(&mut self, path: &str) {
        for id in self.files.remove(path).unwrap_or_default() {
            if let Some(count) = self.counts.get_mut(&id) {
                *count -= 1;
                if *count == 0 {
                    self.counts.remove(&id);
                }
            }
        }
    }

    fn add(&mut self, path: Arc<str>, ids: Vec<String>) {
        for id in &ids {
            *self.counts.entry(id.clone()).or_default() += 1;
        }
        self.files.insert(path, ids);
    }
}

fn pending(id: &str, kind: ItemEventKind, item: &Item) -> Pending {
    (
        id.to_owned(),
        kind,
        Arc::clone(&item.source.file),
        item.fingerprint,
    )
}

/// Whether an item changed in a way history shows: content (fingerprint), status, tags, links.
fn differs(a: &Item, b: &Item) -> bool {
    a.fingerprint != b.fingerprint
        || a.status != b.status
        || a.tags != b.tags
        || !a
            .links
            .iter()
            .map(link_key)
            .eq(b.links.iter().map(link_key))
}

/// A link without its position, which moves with unrelated edits.
fn link_key(link: &Link) -> (&str, &str, Option<&str>) {
    (&link.kind, &link.target, link.reviewed.as_deref())
}
