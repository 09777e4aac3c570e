-- Schema version 3: the time by which a payment awaiting the customer (a
-- multibanco voucher) must be paid, so the sweeper finds unpaid vouchers
-- without reading every payment. 0 when there is no such deadline.
ALTER TABLE payments ADD COLUMN due INTEGER NOT NULL DEFAULT 0;
CREATE INDEX payments_due ON payments (due) WHERE status = 'requires_action' AND due > 0;
