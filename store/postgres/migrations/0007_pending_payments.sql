-- The payments of one provider in one mode that are not final, of every
-- account, in seq order (Store.PendingPayments): the set a chain watcher
-- serves, which also keeps a final payment while a check of it is due
-- (due > 0: a lapsed deposit watched for a late transfer). The index holds
-- only such payments, and every payment write sets status and due with the
-- data, so a payment leaves the index in the commit that makes it final
-- (or clears its check) and a page never walks past the settled payments.
CREATE INDEX payments_pending ON payments (provider, livemode, seq)
    WHERE status NOT IN ('succeeded', 'failed', 'canceled') OR due > 0;
