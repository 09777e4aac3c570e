-- Schema version 5: no index on a session's scope alone. Every create paid
-- for a fifth b-tree; a page of sessions with no status filter now merges
-- one range of sessions_status per status instead (see sessionQuery).
DROP INDEX sessions_scope;
