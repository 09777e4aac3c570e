-- Schema version 7: objects of kinds the store does not know by name
-- (payment links, coupons, invoices, devices; see checkout.ObjectStore).
-- Every kind shares this one table, keeping the object whole in data as its
-- kind's codec wrote it, so a new kind needs no migration. seq, the rowid,
-- is the insertion order lists page on.
CREATE TABLE objects (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    account_id TEXT    NOT NULL,
    livemode   INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    data       BLOB    NOT NULL,
    UNIQUE (kind, id)
) STRICT;
CREATE INDEX objects_scope ON objects (account_id, livemode, kind, seq);

-- The lookup keys of objects, unique within a kind across every scope; an
-- object's keys are replaced whenever it is written.
CREATE TABLE object_keys (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    id   TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX object_keys_object ON object_keys (kind, id);
