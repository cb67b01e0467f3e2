//! tracebook-api: the axum server behind `tracebook serve` (auth stack, edit API, mirror).
//!
//! Not built yet: issue #5 brings the server. The crate exists so the workspace layout and the
//! dependency direction (model <- generator <- api/worker <- CLI) are fixed from the start.
