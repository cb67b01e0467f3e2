//! tracebook-worker: the rebuild-queue consumer behind `tracebook worker` (Redis Streams or
//! in-process) that builds and atomically publishes the site.
//!
//! Not built yet: issue #7 brings the queue and the worker. The crate exists so the workspace
//! layout and the dependency direction are fixed from the start.
