-- Accounts for `tracebook serve` (issue 5). Kept in step with migrations/sqlite/0001_accounts.sql.
-- Times are seconds since the Unix epoch (bigint) and flags are nullable times ("disabled_at",
-- "mfa_passed_at"): both decode the same way on SQLite and PostgreSQL through sqlx's Any
-- driver, which cannot decode SQLite booleans.

create table users (
    id bigint generated always as identity primary key,
    name text not null constraint users_name_key unique,
    -- argon2id PHC string: algorithm, parameters, salt and hash in one field.
    password_hash text not null,
    role text not null constraint users_role_check check (role in ('viewer', 'editor', 'admin')),
    mfa_secret text,
    created_at bigint not null,
    disabled_at bigint
);

create table api_tokens (
    id bigint generated always as identity primary key,
    user_id bigint not null references users (id) on delete cascade,
    name text not null,
    -- SHA-256 of the secret, lowercase hex; the secret itself is never stored.
    token_hash text not null constraint api_tokens_token_hash_key unique,
    created_at bigint not null,
    last_used_at bigint,
    revoked_at bigint
);

create table sessions (
    -- SHA-256 of the session cookie value, lowercase hex.
    id text primary key,
    user_id bigint not null references users (id) on delete cascade,
    csrf_token text not null,
    created_at bigint not null,
    last_seen_at bigint not null,
    expires_at bigint not null,
    mfa_passed_at bigint
);

create index sessions_user_id_idx on sessions (user_id);

create table recovery_codes (
    user_id bigint not null references users (id) on delete cascade,
    code_hash text not null,
    used_at bigint,
    constraint recovery_codes_pkey primary key (user_id, code_hash)
);

create table audit_log (
    id bigint generated always as identity primary key,
    at bigint not null,
    event text not null,
    user_name text,
    client text,
    detail text not null default ''
);

create index audit_log_at_idx on audit_log (at);
