//! The located YAML reader under front matter: any text parses to a tree or a syntax error,
//! never a panic, a stack overflow or a blow-up.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = tracebook_model::yaml::parse(text, 2);
});
