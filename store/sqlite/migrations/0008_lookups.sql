-- Schema version 8: a payment by its provider's reference (the gateway's
-- callback). The columns of the rows stored before are filled from their
-- data.
-- A reference is the provider's id of an attempt, but the store does not
-- insist: should two payments share one, the newest (highest seq) is found.
ALTER TABLE payments ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN provider_ref TEXT NOT NULL DEFAULT '';
UPDATE payments SET
    provider = coalesce(json_extract(CAST(data AS TEXT), '$.Provider'), ''),
    provider_ref = coalesce(json_extract(CAST(data AS TEXT), '$.ProviderRef'), '');
CREATE INDEX payments_provider_ref ON payments (provider, provider_ref, seq) WHERE provider_ref <> '';
