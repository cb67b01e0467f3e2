//! Tests of the server-side search index on real tantivy indexes in temporary folders: on
//! tracebook's own content/ (known queries, known items first) and on small in-memory projects.

use std::path::PathBuf;

use tracebook_model::Project;

use super::*;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// An index of `project` in a fresh temporary folder (kept alive by the returned guard).
fn indexed(project: &Project) -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = SearchIndex::open_dir(dir.path()).expect("open index");
    let report = index.sync(project).expect("sync");
    assert_eq!(report.added, project.items.len());
    (dir, index)
}

fn content() -> (Project, tempfile::TempDir, SearchIndex) {
    let project = crate::load(&repo_root()).expect("loading content/");
    let (dir, index) = indexed(&project);
    (project, dir, index)
}

fn find(index: &SearchIndex, text: &str) -> SearchResults {
    index.search(&SearchQuery::new(text)).expect("search")
}

fn ids(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|hit| hit.id.as_str()).collect()
}

#[track_caller]
fn assert_facets_add_up(results: &SearchResults) {
    assert_eq!(
        results.facets.kind.values().sum::<u64>(),
        results.total as u64
    );
    assert_eq!(
        results.facets.status.values().sum::<u64>(),
        results.total as u64
    );
}

const CONFIG: &str = "\
kinds:
  requirement: { prefix: SYS, fields: { rationale: { type: string } } }
  hazard: { prefix: HAZ }
";

fn project(items: &[(&str, &str)]) -> Project {
    let mut files = vec![("tracebook.yaml".to_owned(), CONFIG.to_owned())];
    for (id, rest) in items {
        let kind = if id.starts_with("HAZ") {
            "hazard"
        } else {
            "requirement"
        };
        files.push((
            format!("content/{id}.md"),
            format!("---\nid: {id}\nkind: {kind}\n{rest}"),
        ));
    }
    let project = Project::from_memory(files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())));
    assert_eq!(project.counts().errors, 0, "{:?}", project.diagnostics);
    project
}

#[test]
fn phrase_finds_the_words_in_a_row_first() {
    let (_, _dir, index) = content();
    let results = find(&index, "\"suspect link\"");
    let top = &results.hits[0];
    assert!(top.title.to_lowercase().contains("suspect link"), "{top:?}");
    assert!(ids(&results).contains(&"HAZ-008"), "{:?}", ids(&results));
    // Every hit has the phrase somewhere: fewer hits than for the two words anywhere.
    assert!(results.total < find(&index, "suspect link").total);
    assert_facets_add_up(&results);
}

#[test]
fn prefix_matches_word_starts_and_marks_them() {
    let (_, _dir, index) = content();
    let results = find(&index, "suspe*");
    assert!(results.total >= find(&index, "suspect").total);
    assert!(ids(&results).contains(&"REQ-012"), "{:?}", ids(&results));
    let marked: Vec<&str> = results
        .hits
        .iter()
        .flat_map(|hit| {
            let text = &hit.snippet.text;
            hit.snippet.highlights.iter().map(|h| &text[h.start..h.end])
        })
        .collect();
    assert!(!marked.is_empty());
    assert!(
        marked.iter().all(|w| w.to_lowercase().starts_with("suspe")),
        "{marked:?}"
    );
}

#[test]
fn field_filter_keeps_one_kind_and_counts_all_of_it() {
    let (project, _dir, index) = content();
    let hazards = project.items.iter().filter(|i| i.kind == "hazard").count();
    let results = find(&index, "kind:hazard");
    assert_eq!(results.total, hazards);
    assert_eq!(results.facets.kind.get("hazard"), Some(&(hazards as u64)));
    assert!(results.hits.iter().all(|hit| hit.kind == "hazard"));
    assert_eq!(ids(&find(&index, "kind:hazard injection"))[0], "HAZ-003");
    let same = index
        .search(&SearchQuery {
            kind: Some("hazard".to_owned()),
            ..SearchQuery::new("injection")
        })
        .expect("search");
    assert_eq!(ids(&same), ["HAZ-003"]);
}

#[test]
fn typo_falls_back_to_near_matches_and_says_so() {
    let (_, _dir, index) = content();
    assert!(!find(&index, "fingerprint").fuzzy);
    let results = find(&index, "fingerprnt");
    assert!(results.fuzzy);
    assert!(results.total > 0);
    assert!(results.hits[0].title.to_lowercase().contains("fingerprint"));
    let short = find(&index, "lnk"); // three letters: one edit allowed
    assert!(short.fuzzy && short.total > 0);
    assert!(find(&index, "zzzzqqqq").total == 0);
}

#[test]
fn exact_id_typed_as_the_query_ranks_first() {
    let (_, _dir, index) = content();
    for id in ["REQ-061", "req-061", "HAZ-003", "VER-019", "STK-009"] {
        let results = find(&index, id);
        assert_eq!(results.hits[0].id.to_lowercase(), id.to_lowercase());
    }
    // With more words, the id still has to satisfy them all (AND).
    assert_eq!(ids(&find(&index, "REQ-061 search"))[0], "REQ-061");
    assert_eq!(find(&index, "REQ-061 zzzzqqqq").total, 0);
}

#[test]
fn facet_counts_cover_all_matches_not_only_the_page() {
    let (project, _dir, index) = content();
    for text in [
        "search",
        "shall",
        "kind:requirement status:approved",
        "link*",
        "",
    ] {
        let results = index
            .search(&SearchQuery {
                limit: 3,
                ..SearchQuery::new(text)
            })
            .expect("search");
        assert!(results.hits.len() <= 3);
        assert_facets_add_up(&results);
    }
    assert_eq!(find(&index, "").total, project.items.len());
    let counts_only = index
        .search(&SearchQuery {
            limit: 0,
            ..SearchQuery::new("search")
        })
        .expect("search");
    assert!(counts_only.hits.is_empty() && counts_only.total > 0);
}

#[test]
fn negation_filters_and_tag_work_together() {
    let (_, _dir, index) = content();
    let results = find(&index, "search -kind:requirement");
    assert!(results.total > 0);
    assert!(results.hits.iter().all(|hit| hit.kind != "requirement"));
    let tagged = find(&index, "tag:security status:approved");
    assert!(tagged.total > 0);
    assert_eq!(tagged.facets.status.len(), 1);
    assert!(
        find(&index, "id:REQ-06*")
            .hits
            .iter()
            .all(|h| h.id.starts_with("REQ-06"))
    );
}

#[test]
fn sync_touches_only_the_changed_document() {
    let v1 = project(&[
        ("SYS-1", "title: Pump\n---\nThe pump shall stop.\n"),
        ("SYS-2", "title: Alarm\n---\nThe alarm shall sound.\n"),
        ("HAZ-1", "title: Overdose\n---\nToo much drug.\n"),
    ]);
    let (_dir, index) = indexed(&v1);
    let again = index.sync(&v1).expect("sync");
    assert_eq!((again.added, again.deleted, again.unchanged), (0, 0, 3));
    let v2 = project(&[
        (
            "SYS-1",
            "title: Pump\n---\nThe pump shall stop within a second.\n",
        ),
        ("SYS-2", "title: Alarm\n---\nThe alarm shall sound.\n"),
        ("HAZ-1", "title: Overdose\n---\nToo much drug.\n"),
    ]);
    let changed = index.sync(&v2).expect("sync");
    assert_eq!(
        (changed.added, changed.deleted, changed.unchanged),
        (1, 1, 2)
    );
    assert_eq!(ids(&find(&index, "second")), ["SYS-1"]);
    assert_eq!(find(&index, "pump").total, 1, "the old version is gone");
    // A status or tag change alone is a change too; a removed item is deleted.
    let v3 = project(&[
        (
            "SYS-1",
            "title: Pump\n---\nThe pump shall stop within a second.\n",
        ),
        (
            "SYS-2",
            "title: Alarm\nstatus: approved\ntags: [audio]\n---\nThe alarm shall sound.\n",
        ),
    ]);
    let report = index.sync(&v3).expect("sync");
    assert_eq!((report.added, report.deleted, report.total), (1, 2, 2));
    assert_eq!(ids(&find(&index, "status:approved tag:audio")), ["SYS-2"]);
    assert_eq!(find(&index, "drug").total, 0);
}

#[test]
fn titles_rank_above_bodies_and_obsolete_items_last() {
    let project = project(&[
        (
            "SYS-1",
            "title: Motor driver\n---\nAn occlusion stops the motor.\n",
        ),
        (
            "SYS-2",
            "title: Occlusion alarm\n---\nRaised on pressure.\n",
        ),
        (
            "SYS-3",
            "title: Occlusion occlusion\nstatus: obsolete\n---\nOcclusion.\n",
        ),
    ]);
    let (_dir, index) = indexed(&project);
    assert_eq!(ids(&find(&index, "occlusion")), ["SYS-2", "SYS-1", "SYS-3"]);
    assert_eq!(ids(&find(&index, "occlu*"))[2], "SYS-3");
    // An id typed in the query ranks its item first, obsolete or not.
    assert_eq!(ids(&find(&index, "occlusion SYS-3"))[0], "SYS-3");
}

#[test]
fn snippets_are_plain_text_marked_by_ranges_and_escaped_as_html() {
    let project = project(&[(
        "SYS-1",
        "title: Injection\n---\nA <script>alert(1)</script> tag & an <b>occlusion</b> here.\n",
    )]);
    let (_dir, index) = indexed(&project);
    let hit = &find(&index, "occlusion").hits[0];
    let text = &hit.snippet.text;
    assert!(!text.contains('<'), "raw HTML is not indexed text: {text}");
    let marked: Vec<&str> = hit
        .snippet
        .highlights
        .iter()
        .map(|h| &text[h.start..h.end])
        .collect();
    assert_eq!(marked, ["occlusion"]);
    let html = hit.snippet.to_html();
    assert!(html.contains("&amp; an <mark>occlusion</mark>"), "{html}");
    // A match outside the body still gets the start of the body as its snippet.
    let by_title = &find(&index, "injection").hits[0];
    assert!(by_title.snippet.text.starts_with("A "));
    assert!(by_title.snippet.highlights.is_empty());
}

#[test]
fn index_of_another_schema_or_garbage_is_rebuilt() {
    let project = project(&[("SYS-1", "title: Pump\n---\nBody.\n")]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("meta.json"), "not json").expect("write");
    let index = SearchIndex::open_dir(dir.path()).expect("open");
    let report = index.sync(&project).expect("sync");
    assert!(report.rebuilt);
    assert_eq!(report.added, 1);
    drop(index);
    let reopened = SearchIndex::open_dir(dir.path()).expect("reopen");
    let report = reopened.sync(&project).expect("sync");
    assert!(!report.rebuilt);
    assert_eq!(report.unchanged, 1);
    // A folder holding other files is never emptied.
    let other = tempfile::tempdir().expect("tempdir");
    std::fs::write(other.path().join("notes.txt"), "mine").expect("write");
    assert!(SearchIndex::open_dir(other.path()).is_err());
    assert!(other.path().join("notes.txt").is_file());
}
