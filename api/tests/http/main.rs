//! `tracebook serve`'s application over real HTTP (a listening socket, reqwest clients with
//! cookie jars), against SQLite and against PostgreSQL: sign-in, sessions, CSRF, MFA, tokens,
//! roles, security headers, first-run setup, and the item API.

mod support;

mod auth;
mod broken_project;
mod headers;
mod health;
mod items;
mod mfa;
mod mfa_replace;
mod redirect;
mod roles;
mod route_walk;
mod trailers;
