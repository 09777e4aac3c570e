-- Schema version 2: payments. Like sessions, the columns lists filter and
-- order on, plus the whole payment as JSON in data. id is the payment's key
-- (UNIQUE); seq, the rowid, is the insertion order lists page on.
--
-- Events need no change: their data column is the whole event as JSON, so
-- the payment snapshot of payment.* events is stored with it.
CREATE TABLE payments (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    account_id TEXT    NOT NULL,
    livemode   INTEGER NOT NULL,
    session_id TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created    INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    data       BLOB    NOT NULL
) STRICT;
CREATE INDEX payments_scope ON payments (account_id, livemode, seq);
CREATE INDEX payments_session ON payments (account_id, livemode, session_id, seq);
