package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// standardKey returns the HMAC key Standard Webhooks derives from a secret:
// the standard-base64-decoded text after the optional "whsec_" prefix. The
// prefix is optional because the specification treats it as decoration and
// some providers show secrets without it.
func standardKey(secret string) ([]byte, error) {
	enc := strings.TrimPrefix(secret, SecretPrefix)
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: not \"whsec_\" + base64: %v", ErrInvalidSecret, err)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("%w: empty secret", ErrInvalidSecret)
	}
	return key, nil
}

// standardMAC is HMAC-SHA256(key, "<id>.<unix seconds>.<payload>").
func standardMAC(key []byte, msgID string, unix int64, payload []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, unix, 10))
	mac.Write([]byte{'.'})
	mac.Write(payload)
	return mac.Sum(nil)
}

// StandardSignature returns one Standard Webhooks signature, "v1,<base64>",
// for the given message ID, time (sent as unix seconds) and raw body. The
// secret must be "whsec_" + base64 (the prefix is optional); otherwise the
// error wraps [ErrInvalidSecret]. To sign with several secrets, join the
// results with a space, or use [Sign].
func StandardSignature(msgID string, t time.Time, payload []byte, secret string) (string, error) {
	key, err := standardKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(standardMAC(key, msgID, t.Unix(), payload)), nil
}

// Sign returns every header checkoutd sends with a delivery: Checkout-Signature
// and the three Standard Webhooks headers, each with one signature per secret
// (new and old during a rotation). Sending both styles lets each merchant
// verify with the tooling they already have. msgID should be the event ID,
// identical on every retry, so receivers can de-duplicate on webhook-id too.
// The error wraps [ErrInvalidSecret] if there is no secret or one is not
// "whsec_" + base64.
func Sign(msgID string, t time.Time, payload []byte, secrets ...string) (http.Header, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret to sign with", ErrInvalidSecret)
	}
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if s == "" {
			return nil, fmt.Errorf("%w: empty secret", ErrInvalidSecret)
		}
		sig, err := StandardSignature(msgID, t, payload, s)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}
	h := make(http.Header, 4)
	h.Set(HeaderCheckoutSignature, SignatureHeader(t, payload, secrets...))
	h.Set(HeaderWebhookID, msgID)
	h.Set(HeaderWebhookTimestamp, strconv.FormatInt(t.Unix(), 10))
	h.Set(HeaderWebhookSignature, strings.Join(sigs, " "))
	return h, nil
}

// VerifyStandard checks a request's Standard Webhooks headers (webhook-id,
// webhook-timestamp, webhook-signature) against its raw body: it returns nil
// if any v1 signature matches the secret and the timestamp is within
// tolerance of now (zero or less means [DefaultTolerance]). It exists so that
// merchants can verify with this package alone, whichever header style they
// prefer.
func VerifyStandard(payload []byte, headers http.Header, secret string, tolerance time.Duration) error {
	return Verifier{Tolerance: tolerance}.VerifyStandard(payload, headers, secret)
}

// VerifyStandard is the package-level [VerifyStandard] with v's clock and
// tolerance. As with [Verifier.ValidatePayload], signatures are checked
// before the timestamp.
//
// Errors: [ErrNotSigned] if none of the three headers is present;
// [ErrInvalidHeader] if only some are, or the timestamp is not unix seconds,
// or a signature lacks its "version," prefix; [ErrNoValidSignature] if no v1
// signature matches (signatures of other versions, such as the asymmetric
// v1a, are ignored); [ErrTooOld]; [ErrInvalidSecret].
func (v Verifier) VerifyStandard(payload []byte, headers http.Header, secret string) error {
	key, err := standardKey(secret)
	if err != nil {
		return err
	}
	id := headers.Get(HeaderWebhookID)
	ts := headers.Get(HeaderWebhookTimestamp)
	sigHeader := headers.Get(HeaderWebhookSignature)
	if id == "" && ts == "" && strings.TrimSpace(sigHeader) == "" {
		return ErrNotSigned
	}
	if id == "" || ts == "" || strings.TrimSpace(sigHeader) == "" {
		return fmt.Errorf("%w: webhook-id, webhook-timestamp and webhook-signature are all required", ErrInvalidHeader)
	}
	t, err := parseUnix(ts)
	if err != nil {
		return err
	}

	var sigs [][]byte
	for item := range strings.FieldsSeq(sigHeader) {
		version, value, found := strings.Cut(item, ",")
		if !found {
			return fmt.Errorf("%w: signature %q is not version,value", ErrInvalidHeader, item)
		}
		if version != "v1" {
			continue
		}
		// Undecodable or wrong-length values cannot match; skipping them
		// keeps one garbled entry from hiding a good one.
		if sig, err := base64.StdEncoding.DecodeString(value); err == nil && len(sig) == sha256.Size {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: header has no v1 signature", ErrNoValidSignature)
	}

	want := standardMAC(key, id, t.Unix(), payload)
	ok := false
	for _, s := range sigs {
		if hmac.Equal(want, s) { // constant time; see ValidatePayload
			ok = true
		}
	}
	if !ok {
		return ErrNoValidSignature
	}
	return v.checkTime(t)
}
