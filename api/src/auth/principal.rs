//! Who a request comes from, put into the request's extensions by the authentication layer and
//! read by handlers (`Extension<Principal>`).

use crate::accounts::{Role, User};
use crate::error::ApiError;

/// The signed-in user of a request and how they signed in.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The user (never disabled: disabled users do not authenticate).
    pub user: User,
    /// A browser session or an API token.
    pub via: Via,
}

/// How a request was authenticated.
#[derive(Clone, Debug)]
pub enum Via {
    /// A session cookie.
    Session {
        /// SHA-256 (hex) of the cookie's session id: the sessions table's key.
        id_hash: String,
        /// The session's CSRF synchronizer token, for forms and `X-CSRF-Token`.
        csrf_token: String,
        /// Whether this session passed the user's second factor.
        mfa_passed: bool,
    },
    /// `Authorization: Bearer tb_…` (CI and scripts; exempt from CSRF and MFA).
    Token,
}

impl Principal {
    /// `Ok` when the user's role includes `role`, else 403.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.user.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {role} role; {} is a {}",
                self.user.name, self.user.role
            )))
        }
    }

    /// The CSRF token to put into forms (`None` for token requests, which need none).
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
            Via::Token => None,
        }
    }
}
