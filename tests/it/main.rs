//! End-to-end tests of the `tracebook` binary on fixture projects and on content/ (one test
//! binary, one module per feature: see tests/README.md).

mod browser;
mod check_cli;
mod common;
mod diagnostics;
mod export;
mod init;
mod publish;
mod search;
mod serve;
mod site;
