-- The SQL mirror (issue 7): an index of every item, link, coverage result and build, rewritten
-- by the worker after each commit so that a BI tool can query it. Kept in step with
-- migrations/postgres/0003_mirror.sql. Only `tracebook` writes these tables (see docs/mirror.md);
-- their rows are a copy of the content at `mirror_state.commit_id`, never edited by hand.
-- Times: `committed_at` and `synced_at` are seconds since the Unix epoch, `started_at` of a build
-- is milliseconds. JSON columns are text here (SQLite's json_* functions read them) and jsonb
-- on PostgreSQL. Booleans are 0 or 1 (SQLite has no boolean type; `boolean` tells BI tools).

-- Which commit the mirror tables hold: one row, created here, updated by every sync (the sync
-- also takes its lock through this row, so two workers never interleave their writes).
create table mirror_state (
    id bigint primary key constraint mirror_state_one_row check (id = 1),
    commit_id text,
    synced_at bigint
);

insert into mirror_state (id, commit_id, synced_at) values (1, null, null);

-- Every commit the mirror has been synced to.
create table mirror_commits (
    id text primary key,
    author text not null,
    committed_at bigint not null,
    summary text not null,
    synced_at bigint not null
);

create table mirror_items (
    id text primary key,
    kind text not null,
    title text not null,
    status text not null,
    -- JSON array of strings.
    tags text not null,
    -- JSON object: field name to value, as written in the item.
    fields text not null,
    body text not null,
    -- 8 hex digits over id, kind, title, fields and body (FORMAT.md).
    fingerprint text not null,
    -- File relative to the project root, and line of the item's `id`.
    path text not null,
    line bigint not null,
    -- The synced commit in which this row last changed (added or modified).
    changed_in text not null
);

create index mirror_items_kind_idx on mirror_items (kind);

-- Links as written; `to_id` may name no item when the content has an unknown target.
create table mirror_links (
    from_id text not null,
    kind text not null,
    to_id text not null,
    -- Fingerprint of the target when the link was last reviewed, if ever.
    reviewed text,
    -- Whether the target changed since that review (the model's suspect flag).
    suspect boolean not null constraint mirror_links_suspect_check check (suspect in (0, 1)),
    constraint mirror_links_pkey primary key (from_id, kind, to_id)
);

create index mirror_links_to_id_idx on mirror_links (to_id);

-- Coverage rules of tracebook.yaml, by position.
create table mirror_rules (
    rule_index bigint primary key,
    -- The rule as the site shows it: "every requirement is the target of verifies".
    rule text not null,
    kind text not null,
    link_kind text not null,
    -- 'incoming' or 'outgoing'.
    direction text not null,
    -- 'error' or 'warning'.
    severity text not null
);

-- One row per rule and item it applies to (obsolete items are exempt and have none).
create table mirror_coverage (
    rule_index bigint not null,
    item_id text not null,
    rule text not null,
    covered boolean not null constraint mirror_coverage_covered_check check (covered in (0, 1)),
    constraint mirror_coverage_pkey primary key (rule_index, item_id)
);

create index mirror_coverage_item_id_idx on mirror_coverage (item_id);

create table mirror_baselines (
    name text primary key,
    title text,
    -- The git tag, branch or commit the baseline names.
    git_ref text not null,
    -- JSON array of user names.
    approved_by text not null,
    -- YYYY-MM-DD, as written.
    date text,
    path text not null
);

-- What each sync changed: one row per item added, modified or removed by the commit.
create table mirror_changes (
    commit_id text not null,
    item_id text not null,
    -- 'added', 'modified' or 'removed'.
    change text not null,
    old_fingerprint text,
    new_fingerprint text,
    constraint mirror_changes_pkey primary key (commit_id, item_id)
);

create index mirror_changes_item_id_idx on mirror_changes (item_id);

-- Site builds run by the worker, published or failed.
create table mirror_builds (
    id text primary key,
    commit_id text,
    branch text not null,
    -- Milliseconds since the Unix epoch.
    started_at bigint not null,
    duration_ms bigint not null,
    result text not null constraint mirror_builds_result_check check (result in ('published', 'failed')),
    errors bigint not null,
    -- JSON array of diagnostics.
    diagnostics text not null,
    worker text not null
);

create index mirror_builds_started_at_idx on mirror_builds (started_at);

-- Items, covered items, uncovered items and the covered share (whole percent, rounded down,
-- 100 when the rule applies to nothing: the same figure as the site's dashboard) per rule.
create view coverage_per_rule as
select
    r.rule_index,
    r.rule,
    r.kind,
    r.link_kind,
    count(c.item_id) as items,
    coalesce(sum(case when c.covered then 1 else 0 end), 0) as covered,
    coalesce(sum(case when c.covered then 0 else 1 end), 0) as uncovered,
    case
        when count(c.item_id) = 0 then 100
        else 100 * coalesce(sum(case when c.covered then 1 else 0 end), 0) / count(c.item_id)
    end as percent
from mirror_rules r
left join mirror_coverage c on c.rule_index = r.rule_index
group by r.rule_index, r.rule, r.kind, r.link_kind;

create view uncovered_items as
select
    c.rule_index,
    c.rule,
    i.id as item_id,
    i.kind,
    i.title,
    i.status
from mirror_coverage c
join mirror_items i on i.id = c.item_id
where not c.covered;

-- Every link with both ends; the `to_` columns are null for a target that names no item.
create view trace_matrix as
select
    l.from_id,
    f.kind as from_kind,
    f.title as from_title,
    l.to_id,
    t.kind as to_kind,
    t.title as to_title,
    l.kind as link_kind,
    l.suspect
from mirror_links l
join mirror_items f on f.id = l.from_id
left join mirror_items t on t.id = l.to_id;
