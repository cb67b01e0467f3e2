//! The located YAML reader under front matter: any text parses to a tree or a syntax error
//! with a position inside the text, never a panic, a stack overflow or a blow-up.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(err) = tracebook_model::yaml::parse(text, 2) {
        let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
        assert!(err.pos.line <= lines.saturating_add(3), "{err:?} past the end ({lines} lines)");
    }
});
