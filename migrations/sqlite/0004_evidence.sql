-- Verification evidence (issue 8): each item's evidence status, its own JUnit verdict combined
-- with those of the items pointing at it through an evidence link (`verifies` by default):
-- none, passed, skipped, missing or failed. Rows mirrored before this migration read 'none'
-- until the next sync rewrites them.
alter table mirror_items add column evidence text not null default 'none';
