//! Settings of `tracebook serve` that the middleware and handlers read; built by the CLI from
//! flags and environment, with defaults that are safe on a laptop.

use std::time::Duration;

/// How the server behaves; cloned once into [`crate::AppState`] behind an `Arc`.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The address people reach the server at (`https://trace.example.com`), when it sits
    /// behind a reverse proxy. An `https` URL turns on `Secure` cookies and HSTS.
    pub public_url: Option<String>,
    /// Every signed-in user must have MFA: one without it reaches only the enrollment pages.
    pub mfa_required: bool,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub session_absolute: Duration,
    /// Sign-in attempts (password or MFA code) allowed per minute, per client address and per
    /// account, before answering 429.
    pub login_attempts_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy: bool,
    /// Key that signs session cookies (32+ bytes); see `secret_key` in the CLI.
    pub secret_key: Vec<u8>,
    /// Shared secret of `POST /api/hooks/git` (HMAC-SHA256 of the body, GitHub's
    /// `X-Hub-Signature-256`); `None` turns the hook off.
    pub webhook_secret: Option<String>,
}

impl ServerConfig {
    /// Whether people reach the server over https (cookies get `Secure`, responses HSTS).
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            public_url: None,
            mfa_required: false,
            session_idle: Duration::from_secs(8 * 3600),
            session_absolute: Duration::from_secs(7 * 24 * 3600),
            login_attempts_per_minute: 10,
            trust_proxy: false,
            secret_key: Vec::new(),
            webhook_secret: None,
        }
    }
}
