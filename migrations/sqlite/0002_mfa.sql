-- MFA (issue 5): TOTP enrollment and replay protection. Kept in step with
-- migrations/postgres/0002_mfa.sql.

-- Base32 TOTP secret of an enrollment in progress: it becomes `mfa_secret` once the user
-- confirms it with a valid code, so an active second factor stays until its replacement works.
alter table users add column mfa_pending_secret text;

-- Last accepted TOTP time step (unix time / 30): a code is accepted only for a later step, so
-- each code works once (RFC 6238 section 5.2).
alter table users add column mfa_last_step bigint;
