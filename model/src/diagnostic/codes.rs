//! Every diagnostic code tracebook reports, one constant each.
//!
//! Codes are stable: never renumber or reuse one. The doc comment of each says how to fix it;
//! `tracebook check` prints the hint from the diagnostic itself. Every code has a fixture project
//! under `tests/fixtures/invalid/<code>/` (a test enforces it).

/// A diagnostic code, such as `E0203`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Code(pub &'static str);

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// YAML syntax error. Fix the YAML at the position given (indentation, quotes, brackets).
pub const YAML_SYNTAX: Code = Code("E0001");
/// A Markdown item file does not start with a `---` front matter block, or the block is not
/// closed by a second `---` line. Add `---`, the item's keys, and a closing `---`.
pub const MISSING_FRONT_MATTER: Code = Code("E0002");
/// The front matter block is empty. Add at least `id`, `kind` and `title`.
pub const EMPTY_FRONT_MATTER: Code = Code("E0003");
/// A file is not valid UTF-8. Re-save it as UTF-8.
pub const NOT_UTF8: Code = Code("E0004");
/// A YAML item file is not a list of item mappings, or an item is not a mapping.
pub const NOT_AN_ITEM_LIST: Code = Code("E0005");
/// A file or folder under `content/`, `baselines/` or `results/` is a symbolic link (in the
/// work tree, or as a link in a git tree). Links are never followed, since one could publish any
/// file the process can read, so its target was not read (a warning). Replace the link with the
/// file or folder itself, or remove it.
pub const SYMLINK_NOT_FOLLOWED: Code = Code("E0006");

/// `tracebook.yaml` has a key tracebook does not know. Remove it or fix its spelling.
pub const CONFIG_UNKNOWN_KEY: Code = Code("E0101");
/// A value in `tracebook.yaml` has the wrong shape or type (see docs/format.md).
pub const CONFIG_INVALID_VALUE: Code = Code("E0102");
/// `tracebook.yaml` refers to a kind or link kind it does not define. Define it or fix the name.
pub const CONFIG_UNKNOWN_REFERENCE: Code = Code("E0103");
/// Two kinds in `tracebook.yaml` share an id prefix. Give each kind its own prefix.
pub const CONFIG_DUPLICATE_PREFIX: Code = Code("E0104");

/// An item lacks a required key (`id`, `kind` or `title`). Add it.
pub const MISSING_REQUIRED_KEY: Code = Code("E0201");
/// An item id does not match `^[A-Za-z][A-Za-z0-9_.-]*$`. Rename it.
pub const INVALID_ID: Code = Code("E0202");
/// A link targets an id that no item has. Fix the id (a close match is suggested) or add the item.
pub const UNKNOWN_LINK_TARGET: Code = Code("E0203");
/// Two items share an id; both places are named. Give one of them a new id.
pub const DUPLICATE_ID: Code = Code("E0204");
/// An item's `kind` is not a key of `kinds` in `tracebook.yaml`. Fix it or define the kind.
pub const UNKNOWN_KIND: Code = Code("E0205");
/// An item has a key that is neither reserved nor a field of its kind. Remove it, fix its
/// spelling, or declare the field under the kind's `fields`.
pub const UNKNOWN_FIELD: Code = Code("E0206");
/// A field or reserved key has a value of the wrong type (e.g. text where an int is expected).
pub const WRONG_FIELD_TYPE: Code = Code("E0207");
/// An enum field has a value outside its `values`. Use one of the listed values.
pub const ENUM_VALUE_NOT_ALLOWED: Code = Code("E0208");
/// An item's `status` is not one of its kind's statuses. Use one of the listed statuses.
pub const UNKNOWN_STATUS: Code = Code("E0209");
/// An item uses a link kind that `tracebook.yaml` does not define under `links`.
pub const UNKNOWN_LINK_KIND: Code = Code("E0210");
/// A link kind is used between kinds its `from`/`to` lists do not allow.
pub const LINK_KIND_NOT_ALLOWED: Code = Code("E0211");
/// A field marked `required: true` is missing. Add it.
pub const MISSING_REQUIRED_FIELD: Code = Code("E0212");
/// Items linked by an `acyclic` link kind form a cycle (printed in full). Remove one link.
pub const CYCLE: Code = Code("E0214");

/// A baseline file is malformed (missing `name` or `ref`, unknown key, wrong type).
pub const INVALID_BASELINE: Code = Code("E0301");
/// Two baseline files share a `name`. Rename one.
pub const DUPLICATE_BASELINE: Code = Code("E0302");
/// A baseline's `ref:` is not a tag, branch or commit of the project's git repository (or the
/// project is not in one). Create the tag (`git tag <ref> <commit>`) or fix `ref:`.
pub const BASELINE_REF_UNRESOLVED: Code = Code("E0303");

/// A coverage rule from `tracebook.yaml` is not met by this item (its severity comes from the
/// rule). Add the missing link, or mark the item obsolete.
pub const COVERAGE_RULE_VIOLATED: Code = Code("E0401");
/// A link's target changed since the link was reviewed (its fingerprint differs). Check the
/// link still holds, then run `tracebook review` or update `reviewed:` to the new fingerprint.
pub const SUSPECT_LINK: Code = Code("E0402");

/// A results file under `results/` is not JUnit XML that can be read (the position of the
/// problem is given). Re-run `tracebook results import` with the runner's JUnit output, or fix
/// the file.
pub const RESULTS_MALFORMED: Code = Code("E0501");
/// A verification item's `results:` entry is malformed: it needs `case:` (a test name, or a glob)
/// and may name `junit:`, a file under `results/`.
pub const RESULTS_ENTRY_INVALID: Code = Code("E0502");
/// A test case named as evidence failed (the runner's message is given). Fix the product or the
/// test, run the tests again and import their results.
pub const EVIDENCE_FAILED: Code = Code("E0503");
/// Evidence named by a verification item was not found: the results file does not exist or no
/// test case matches `case:`. Import the results (`tracebook results import`) or fix the name.
pub const EVIDENCE_MISSING: Code = Code("E0504");

/// Every code, for documentation and for the test that each has a fixture.
pub const ALL: &[Code] = &[
    YAML_SYNTAX,
    MISSING_FRONT_MATTER,
    EMPTY_FRONT_MATTER,
    NOT_UTF8,
    NOT_AN_ITEM_LIST,
    SYMLINK_NOT_FOLLOWED,
    CONFIG_UNKNOWN_KEY,
    CONFIG_INVALID_VALUE,
    CONFIG_UNKNOWN_REFERENCE,
    CONFIG_DUPLICATE_PREFIX,
    MISSING_REQUIRED_KEY,
    INVALID_ID,
    UNKNOWN_LINK_TARGET,
    DUPLICATE_ID,
    UNKNOWN_KIND,
    UNKNOWN_FIELD,
    WRONG_FIELD_TYPE,
    ENUM_VALUE_NOT_ALLOWED,
    UNKNOWN_STATUS,
    UNKNOWN_LINK_KIND,
    LINK_KIND_NOT_ALLOWED,
    MISSING_REQUIRED_FIELD,
    CYCLE,
    INVALID_BASELINE,
    DUPLICATE_BASELINE,
    BASELINE_REF_UNRESOLVED,
    COVERAGE_RULE_VIOLATED,
    SUSPECT_LINK,
    RESULTS_MALFORMED,
    RESULTS_ENTRY_INVALID,
    EVIDENCE_FAILED,
    EVIDENCE_MISSING,
];
