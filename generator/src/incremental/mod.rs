//! Incremental builds: digests of each site file's inputs, the spare folder that a build
//! updates in place of a fresh staging folder, and the state kept between builds.

mod digest;
mod inputs;
mod output;
mod state;

pub(crate) use digest::{Digest, Digester, of_bytes};
pub use inputs::Changes;
pub(crate) use inputs::InputCache;
pub use output::FileCounts;
pub(crate) use output::{Manifest, Output};
pub(crate) use state::{Folder, State};
