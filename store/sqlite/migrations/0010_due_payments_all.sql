-- Schema version 10: due is Payment.Due() for every payment not final:
-- an action's deadline (an unpaid voucher fails) or the reconciler's next
-- check of a payment whose notification may be lost (processing ones too),
-- and 0 once final. The index covers every due payment, not only those
-- awaiting the customer. Rows written before kept their action's deadline
-- whatever their status; only requires_action ones were due, so the others
-- are cleared to match what Due() says of them (no check was set yet).
DROP INDEX payments_due;
UPDATE payments SET due = 0 WHERE status <> 'requires_action' AND due <> 0;
CREATE INDEX payments_due ON payments (due) WHERE due > 0;
