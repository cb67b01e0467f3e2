//! Authentication and the layers around it: sessions, CSRF, bearer tokens, MFA, login-required
//! and rate limits. The order of the layers is set in `crate::middleware`.

mod authenticate;
mod cache;
mod client;
pub(crate) mod cookie;
mod csrf;
mod gate;
mod limits;
mod principal;
mod session_layer;
mod setup;

pub(crate) use authenticate::authenticate;
pub(crate) use cache::AuthCache;
pub(crate) use client::ClientAddr;
pub(crate) use csrf::check_csrf;
pub(crate) use gate::{ENROLL, MFA_STEP, require_login, require_mfa, safe_next, see_other};
pub(crate) use limits::LoginLimits;
pub use principal::{Principal, Via};
pub(crate) use session_layer::load_session;
pub use setup::SetupToken;
