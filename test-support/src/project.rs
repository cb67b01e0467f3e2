//! Project files for tests: writing them, and the `tracebook.yaml` texts many tests share.

use std::path::Path;

/// Needs (`STK-…`) and requirements (`SYS-…`) that derive from them: the smallest project with
/// a link. Project name `T`.
pub const NEEDS_AND_REQUIREMENTS: &str = "project: T
kinds:
  need: { prefix: STK, title: Need }
  requirement: { prefix: SYS, title: Requirement }
links:
  derives_from: { from: [requirement], to: [need] }
";

/// Requirements (`SYS-…`) alone. Project name `Pump`.
pub const REQUIREMENTS_ONLY: &str =
    "project: Pump\nkinds:\n  requirement: { prefix: SYS, title: Requirement }\n";

/// Writes `text` to `root/rel`, creating folders.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}
