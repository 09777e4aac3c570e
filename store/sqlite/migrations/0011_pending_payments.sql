-- Schema version 11: the payments of one provider in one mode that are not
-- final, of every account, in seq order (Store.PendingPayments): the set a
-- chain watcher serves. The index holds only payments whose status column
-- is not final, and every payment write sets that column with the data, so
-- a payment leaves the index in the commit that makes it final and a page
-- never walks past the final payments of the provider.
CREATE INDEX payments_pending ON payments (provider, livemode, seq)
    WHERE status NOT IN ('succeeded', 'failed', 'canceled');
