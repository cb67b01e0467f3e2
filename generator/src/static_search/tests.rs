//! Unit tests of the static index: tokenizer, weights, the posting code, sharding, and the files
//! written for small projects built in memory.

use std::path::Path;

use tracebook_model::Project;

use super::postings::{WHOLE_ID, decode, encode, encode_capped, js_order, partition, posting};
use super::text::{plain_text, summary, tokens};
use super::*;

fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    tokens(text, |t| out.push(t.to_owned()));
    out
}

#[test]
fn tokenizer_lowercases_splits_and_drops_stop_words() {
    assert_eq!(
        words("The pump SHALL stop within 2 s; see SYS-014 (Occlusion)."),
        [
            "pump",
            "shall",
            "stop",
            "within",
            "2",
            "s",
            "see",
            "sys",
            "014",
            "occlusion"
        ]
    );
    assert_eq!(words("Überdruck-Ventil"), ["überdruck", "ventil"]);
    let long = "x".repeat(41);
    assert_eq!(words(&format!("ok {long}")), ["ok"]);
}

#[test]
fn ids_are_kept_whole_and_in_parts() {
    let doc = DocText {
        id: "SYS-014",
        title: "Occlusion alarm",
        fields: vec!["must".to_owned()],
        body: "An occlusion stops the pump.",
    };
    let terms: HashMap<String, u8> = doc_terms(&doc).into_iter().collect();
    assert_eq!(terms["sys-014"], WHOLE_ID);
    assert_eq!(terms["sys"], 6);
    assert_eq!(terms["014"], 6);
    assert_eq!(terms["occlusion"], 6, "title and body: title plus one");
    assert_eq!(terms["alarm"], 5, "title only");
    assert_eq!(terms["must"], 3, "field");
    assert_eq!(terms["pump"], 1, "body once");
    assert!(!terms.contains_key("the") && !terms.contains_key("an"));
    let single = DocText {
        id: "STK001",
        title: "Stk001 again",
        fields: vec![],
        body: "",
    };
    let terms = doc_terms(&single);
    assert_eq!(terms.iter().filter(|t| t.0 == "stk001").count(), 1);
    assert!(terms.contains(&("stk001".to_owned(), WHOLE_ID)));
}

#[test]
fn posting_code_round_trips_and_is_compact() {
    let list: Vec<u32> = (0..1000)
        .map(|d| posting(d * 3, (d % 8) as u8 + 1))
        .collect();
    let code = encode(&list);
    let back = decode(&code);
    assert_eq!(back.len(), 1000);
    for (i, (doc, weight)) in back.iter().enumerate() {
        assert_eq!((*doc, *weight), (i as u32 * 3, (i % 8) as u8 + 1));
    }
    // Gap 3, any weight: (3-1)*8+7 = 23 < 32, one character per posting.
    assert_eq!(code.len(), 1000);
    assert_eq!(decode(&encode(&[posting(1 << 28, 8)])), [(1 << 28, 8)]);
}

#[test]
fn a_capped_term_keeps_its_best_postings_within_the_cap() {
    let list: Vec<u32> = (0..10_000)
        .map(|d| posting(d * 50, if d % 100 == 0 { 6 } else { 1 }))
        .collect();
    let (code, is_cut) = encode_capped(&list, 1000);
    assert!(is_cut);
    assert!(code.len() <= 1000, "{}", code.len());
    let kept = decode(&code);
    assert!(
        kept.iter().filter(|p| p.1 == 6).count() == 100,
        "all title hits kept"
    );
    assert!(!encode_capped(&list[..10], 1000).1);
}

#[test]
fn shards_are_sorted_runs_of_bounded_size() {
    assert_eq!(partition(&[10, 10, 10, 10, 10], 25), [0, 2, 4]);
    assert_eq!(
        partition(&[10, 50, 10], 25),
        [0, 1, 2],
        "a big entry stands alone"
    );
    assert_eq!(partition(&[], 25), Vec::<usize>::new());
    // UTF-16 order, as JavaScript compares: U+FF5E sorts after U+1F600 (a surrogate pair).
    assert_eq!(js_order("\u{1F600}", "\u{FF5E}"), std::cmp::Ordering::Less);
    assert_eq!("\u{1F600}".cmp("\u{FF5E}"), std::cmp::Ordering::Greater);
}

#[test]
fn plain_text_and_summary_drop_markup() {
    let plain = plain_text("# Head\n\nThe **pump** `stops`.\n\n- one\n- two\n\n<b>raw</b>");
    assert_eq!(
        plain.split_whitespace().collect::<Vec<_>>(),
        ["Head", "The", "pump", "stops.", "one", "two", "raw"]
    );
    let long = "word ".repeat(100);
    let s = summary(&long);
    assert!(s.ends_with('…') && s.chars().count() <= 201, "{s}");
    assert_eq!(summary("  a   b "), "a b");
}

/// A project of `n` items built in memory: items of two kinds and three statuses, bodies from
/// a small vocabulary, one rare word in item 7.
pub(crate) fn synthetic(n: usize) -> Project {
    let config = "kinds:\n  requirement: { prefix: SYS, title: Requirement, statuses: [draft, approved, obsolete] }\n  verification: { prefix: VER, title: Verification }\n";
    let words = [
        "pump",
        "alarm",
        "pressure",
        "sensor",
        "occlusion",
        "battery",
        "display",
        "valve",
        "infusion",
        "rate",
        "limit",
        "startup",
        "fault",
        "motor",
        "door",
        "audible",
    ];
    let mut files = vec![("tracebook.yaml".to_owned(), config.to_owned())];
    for i in 0..n {
        let (kind, prefix) = if i % 4 == 3 {
            ("verification", "VER")
        } else {
            ("requirement", "SYS")
        };
        let status = ["draft", "approved", "obsolete"][i % 3];
        let status = if kind == "verification" {
            "draft"
        } else {
            status
        };
        let title: Vec<&str> = (0..4)
            .map(|k| words[(i * 7 + k * 3) % words.len()])
            .collect();
        let mut body: Vec<&str> = (0..40)
            .map(|k| words[(i * 13 + k * 5) % words.len()])
            .collect();
        if i == 7 {
            body.push("zanzibar");
        }
        let text = format!(
            "---\nid: {prefix}-{i:05}\nkind: {kind}\ntitle: {}\nstatus: {status}\n---\n{}\n",
            title.join(" "),
            body.join(" ")
        );
        files.push((format!("content/{prefix}-{i:05}.md"), text));
    }
    let project = Project::from_memory(files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())));
    assert_eq!(project.counts().errors, 0, "{:?}", project.diagnostics);
    project
}

fn build(
    project: &Project,
    options: &StaticSearchOptions,
) -> (tempfile::TempDir, StaticSearchReport) {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = write_static_search(project, dir.path(), options).expect("index");
    (dir, report)
}

/// The data a file registers: the JSON between `add("name",` and `);`.
pub(crate) fn data(dir: &Path, name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("assets/search").join(format!("{name}.js")))
        .expect("read");
    let prefix = format!("window.TRACEBOOK_SEARCH.add(\"{name}\",");
    let json = text
        .strip_prefix(&prefix)
        .and_then(|t| t.strip_suffix(");\n"))
        .expect("wrapper");
    serde_json::from_str(json).expect("json")
}

#[test]
fn writes_manifest_shards_and_chunks() {
    let project = synthetic(300);
    let options = StaticSearchOptions {
        shard_bytes: 2048,
        max_term_bytes: 1024,
        chunk_docs: 50,
    };
    let (dir, report) = build(&project, &options);
    assert_eq!(report.docs, 300);
    assert_eq!(report.chunks, 6);
    assert!(report.shards > 3, "{report:?}");
    assert_eq!(report.files, report.shards + report.chunks + 1);
    let manifest = data(dir.path(), "manifest");
    assert_eq!(manifest["docs"], 300);
    let shards = manifest["shards"].as_array().expect("shards");
    assert_eq!(shards.len(), report.shards);
    let firsts: Vec<&str> = shards.iter().map(|s| s.as_str().expect("str")).collect();
    assert!(
        firsts.windows(2).all(|w| js_order(w[0], w[1]).is_lt()),
        "{firsts:?}"
    );
    // Ranges cover every document once, grouped by kind then status.
    let ranges = manifest["ranges"].as_array().expect("ranges");
    let mut next = 0;
    for r in ranges {
        assert_eq!(r[2], next);
        next = r[3].as_u64().expect("end");
    }
    assert_eq!(next, 300);
    let first_chunk = data(dir.path(), "d0");
    assert_eq!(first_chunk.as_array().expect("docs").len(), 50);
    assert_eq!(first_chunk[0][0], "SYS-00000");
    // A term lives in the shard whose first term is the last one <= it.
    let find = |term: &str| {
        let s = firsts
            .iter()
            .rposition(|f| js_order(f, term).is_le())
            .unwrap_or(0);
        let list = data(dir.path(), &format!("t{s}"));
        let list = list.as_array().expect("terms").clone();
        list.chunks(2)
            .find(|p| p[0] == term)
            .map(|p| p[1].as_str().expect("postings").to_owned())
    };
    let rare = find("zanzibar").expect("rare term indexed");
    let docs = decode(&rare);
    assert_eq!(docs.len(), 1);
    let chunk = data(dir.path(), &format!("d{}", docs[0].0 as usize / 50));
    assert_eq!(chunk[docs[0].0 as usize % 50][0], "VER-00007");
    assert!(find("ver-00007").is_some());
    assert!(find("the").is_none());
}

#[test]
fn no_file_passes_the_size_limit_and_common_terms_are_capped() {
    let project = synthetic(2000);
    let options = StaticSearchOptions {
        shard_bytes: 4096,
        max_term_bytes: 1500,
        chunk_docs: 64,
    };
    let (_dir, report) = build(&project, &options);
    assert!(report.capped_terms > 0, "{report:?}");
    // One capped term plus its wrapper and name.
    assert!(report.largest_file <= 64 * (200 + 60) + 100, "{report:?}");
    let defaults = StaticSearchOptions::default();
    assert!(defaults.max_term_bytes + 200 < 256 * 1024 && defaults.shard_bytes < 256 * 1024);
}

#[test]
fn same_project_gives_identical_files() {
    let project = synthetic(500);
    let options = StaticSearchOptions::default();
    let (a, ra) = build(&project, &options);
    let (b, rb) = build(&project, &options);
    assert_eq!(ra, rb);
    for entry in std::fs::read_dir(a.path().join("assets/search")).expect("dir") {
        let entry = entry.expect("entry");
        let other = b.path().join("assets/search").join(entry.file_name());
        assert_eq!(
            std::fs::read(entry.path()).expect("a"),
            std::fs::read(other).expect("b")
        );
    }
}

#[test]
fn ten_thousand_items_stay_within_the_file_and_size_budget() {
    let project = synthetic(10_000);
    let options = StaticSearchOptions::default();
    let (_dir, report) = build(&project, &options);
    // Every file under REQ-062's 256 KiB; one chunk per 64 items; a few dozen shards.
    assert!(report.largest_file < 256 * 1024, "{report:?}");
    assert_eq!(report.chunks, 10_000usize.div_ceil(64));
    assert!(report.shards < 100, "{report:?}");
    // Postings stay compact: under 100 bytes of shard data per item (40-odd words each), and
    // the whole index under 400 bytes per item, so 100k items make about 40 MB in 2,000 files.
    assert!(report.shard_bytes < 10_000 * 100, "{report:?}");
    assert!(report.bytes < 10_000 * 400, "{report:?}");
}

/// `n` items with many distinct words (so a small shard size gives many shards), with the
/// bodies in `bodies` replacing the generated ones.
fn vocabulary_project(n: usize, bodies: &[(usize, &str)]) -> Project {
    let config = "kinds:\n  requirement: { prefix: SYS, title: Requirement }\n";
    let mut files = vec![("tracebook.yaml".to_owned(), config.to_owned())];
    for i in 0..n {
        let body = bodies.iter().find(|(at, _)| *at == i).map_or_else(
            || format!("w{} w{} common v{i}", i % 37, i % 11),
            |(_, b)| (*b).to_owned(),
        );
        let text = format!(
            "---\nid: SYS-{i:04}\nkind: requirement\ntitle: t{}\n---\n{body}\n",
            i % 23
        );
        files.push((format!("content/SYS-{i:04}.md"), text));
    }
    Project::from_memory(files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())))
}

#[test]
fn an_index_updated_in_place_equals_one_built_from_scratch() {
    let options = StaticSearchOptions {
        shard_bytes: 400,
        max_term_bytes: 200 * 1024,
        chunk_docs: 8,
    };
    let cache = SearchCache::default();
    let steps: [&[(usize, &str)]; 5] = [
        &[],
        // New words in one chunk, a word gone from another, a term emptied entirely (v40).
        &[(3, "brandnew zzz w5"), (40, "common")],
        // The new words go again; words that sort first and last.
        &[(40, "aaaa common"), (199, "zzzzzz")],
        &[
            (0, "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12"),
            (120, "common"),
        ],
        &[],
    ];
    for (step, bodies) in steps.iter().enumerate() {
        let project = vocabulary_project(200, bodies);
        let (incremental, _) =
            static_search_files(&project, &options, Some(&cache)).expect("in place");
        cache.rotate();
        let (scratch, report) = static_search_files(&project, &options, None).expect("scratch");
        assert!(report.shards > 5, "many shards: {report:?}");
        assert_eq!(incremental.len(), scratch.len(), "step {step}");
        for (a, b) in incremental.iter().zip(&scratch) {
            assert_eq!(a, b, "step {step}: {}", a.0);
        }
    }
}
