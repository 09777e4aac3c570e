-- A payment by its provider's reference (the gateway's callback). The
-- columns of the rows stored before are filled from their data.
-- PostgreSQL's JSON refuses the escape \u0000, which stored text may
-- hold, so checkoutd_field reads a field of the JSON with every such escape
-- made U+FFFD first; the fields read are ids, which never hold it. (A "\\u0000" in the text, an
-- escaped backslash before "u0000", becomes "\\ufffd": still valid.)
CREATE FUNCTION checkoutd_field(data bytea, field text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(replace(convert_from(data, 'UTF8'), '\u0000', '\ufffd')::json ->> field, '')
$$;

-- A reference is the provider's id of an attempt, but the store does not
-- insist: should two payments share one, the newest (highest seq) is found.
ALTER TABLE payments
    ADD COLUMN provider     text NOT NULL DEFAULT '',
    ADD COLUMN provider_ref text NOT NULL DEFAULT '';
UPDATE payments SET
    provider = checkoutd_field(data, 'Provider'),
    provider_ref = checkoutd_field(data, 'ProviderRef');
DROP FUNCTION checkoutd_field(bytea, text);
CREATE INDEX payments_provider_ref ON payments (provider, provider_ref, seq) WHERE provider_ref <> '';
