-- Objects of kinds the store does not know by name (payment links,
-- coupons, invoices, devices; see checkout.ObjectStore). Every kind shares
-- this one table, keeping the object whole in data as its kind's codec
-- wrote it, so a new kind needs no migration.
CREATE TABLE objects (
    kind       text      NOT NULL,
    id         text      NOT NULL,
    seq        bigserial NOT NULL,
    account_id text      NOT NULL,
    livemode   boolean   NOT NULL,
    version    bigint    NOT NULL,
    created    bigint    NOT NULL,
    data       bytea     NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX objects_scope ON objects (account_id, livemode, kind, seq);

-- The lookup keys of objects, unique within a kind across every scope; an
-- object's keys are replaced whenever it is written.
CREATE TABLE object_keys (
    kind text NOT NULL,
    key  text NOT NULL,
    id   text NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX object_keys_object ON object_keys (kind, id);
