//! One fixture project per diagnostic code, each reporting exactly its code.

use std::collections::BTreeSet;

use tracebook_model::diagnostic::codes;

use crate::common::*;

#[test]
fn every_code_has_a_fixture() {
    let dir = fixture("invalid");
    let folders: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/invalid")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let codes: BTreeSet<String> = codes::ALL.iter().map(|c| c.0.to_owned()).collect();
    assert_eq!(
        folders, codes,
        "fixture folders and codes.rs must match one to one"
    );
}

#[test]
fn each_fixture_reports_its_code() {
    for c in codes::ALL {
        let code = c.0;
        let dir = fixture(&format!("invalid/{code}"));
        let path = dir.to_str().expect("utf-8 path");
        let json = tracebook(&["check", path, "--format", "json"]);
        let found: BTreeSet<String> = json_lines(&stdout(&json))
            .iter()
            .map(|d| d["code"].as_str().expect("code").to_owned())
            .collect();
        assert_eq!(found, BTreeSet::from([code.to_owned()]), "fixture {code}");
        let is_warning = json_lines(&stdout(&json))
            .iter()
            .all(|d| d["severity"] == "warning");
        assert_eq!(
            crate::common::code(&json),
            if is_warning { 0 } else { 1 },
            "exit code of fixture {code}"
        );

        let human = tracebook(&["check", path]);
        let text = stderr(&human).replace(path, "[FIXTURE]");
        assert!(text.contains(&format!("[{code}]")), "{text}");
        insta::assert_snapshot!(code, text);
    }
}
