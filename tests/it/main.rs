//! End-to-end tests of the `tracebook` binary on fixture projects and on content/ (one test
//! binary, one module per feature: see tests/README.md).

mod accounts;
mod baselines;
mod browser;
mod browser_edit;
mod check_cli;
mod common;
mod compose;
mod diagnostics;
mod docs;
mod export;
mod gate;
mod gitrepo;
mod init;
mod lifecycle;
mod preview;
mod private_files;
mod publish;
mod review;
mod revocation;
mod search;
mod serve;
mod site;
mod site_cache;
mod worker;
