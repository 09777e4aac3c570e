-- Schema version 9: a checkout session's payment link, so that a link's
-- sessions are listed through an index. No session stored before had one.
ALTER TABLE sessions ADD COLUMN payment_link TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_payment_link ON sessions (account_id, livemode, payment_link, seq) WHERE payment_link <> '';
