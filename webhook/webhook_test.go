package webhook_test

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"go/build"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/webhook"
)

var (
	t0      = time.Unix(1_700_000_000, 0)
	secret  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	secret2 = "whsec_" + base64.StdEncoding.EncodeToString([]byte("fedcba9876543210fedcba9876543210"))
	body    = []byte(`{"id":"evt_1","object":"event","type":"checkout.session.completed","created":1700000000,"created_at":"2023-11-14T22:13:20Z","livemode":false,"sequence":7,"data":{"object":{"id":"cs_1","object":"checkout.session"}}}`)
)

// at returns a Verifier whose clock reads now.
func at(now time.Time) webhook.Verifier {
	return webhook.Verifier{Now: func() time.Time { return now }}
}

// The published Standard Webhooks test vector must match exactly, in both
// directions.
func TestStandardWebhooksSpecVector(t *testing.T) {
	const (
		vSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		vID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		vTS     = 1614265330
		vBody   = `{"test": 2432232314}`
		vSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	got, err := webhook.StandardSignature(vID, time.Unix(vTS, 0), []byte(vBody), vSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got != vSig {
		t.Fatalf("StandardSignature = %q, want %q", got, vSig)
	}

	h := http.Header{}
	h.Set("webhook-id", vID)
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", vSig)
	if err := at(time.Unix(vTS, 0)).VerifyStandard([]byte(vBody), h, vSecret); err != nil {
		t.Fatalf("VerifyStandard(spec vector) = %v", err)
	}
	// The vector is from 2021: with the real clock it is a replay.
	if err := webhook.VerifyStandard([]byte(vBody), h, vSecret, 0); !errors.Is(err, webhook.ErrTooOld) {
		t.Fatalf("VerifyStandard(spec vector, real clock) = %v, want ErrTooOld", err)
	}
	// The prefix is optional.
	if got, _ := webhook.StandardSignature(vID, time.Unix(vTS, 0), []byte(vBody), strings.TrimPrefix(vSecret, "whsec_")); got != vSig {
		t.Fatalf("without prefix: %q", got)
	}
}

func TestNewSecret(t *testing.T) {
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	for _, s := range []string{a, b} {
		enc, ok := strings.CutPrefix(s, "whsec_")
		if !ok {
			t.Fatalf("%q lacks whsec_", s)
		}
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil || len(raw) != 32 {
			t.Fatalf("%q: %d bytes, %v", s, len(raw), err)
		}
		// A fresh secret works with both schemes.
		sp, err := webhook.GenerateTestSignedPayload(body, s, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if err := webhook.ValidatePayload(body, sp.Header, s, 0); err != nil {
			t.Fatal(err)
		}
		if err := webhook.VerifyStandard(body, sp.Headers, s, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSignatureHeaderFormat(t *testing.T) {
	h := webhook.SignatureHeader(t0, body, secret, secret2)
	parts := strings.Split(h, ",")
	if len(parts) != 3 || parts[0] != "t=1700000000" {
		t.Fatalf("header %q", h)
	}
	for i, s := range []string{secret, secret2} {
		want := "v1=" + hex.EncodeToString(webhook.ComputeSignature(t0, body, s))
		if parts[i+1] != want {
			t.Fatalf("part %d = %q, want %q", i+1, parts[i+1], want)
		}
	}
	if got := webhook.SignatureHeader(t0, body); got != "t=1700000000" {
		t.Fatalf("no secrets: %q", got)
	}
}

func TestValidatePayload(t *testing.T) {
	sig := func(s string) string { return hex.EncodeToString(webhook.ComputeSignature(t0, body, s)) }
	good := webhook.SignatureHeader(t0, body, secret)
	tests := []struct {
		name    string
		payload []byte
		header  string
		secret  string
		now     time.Time
		tol     time.Duration
		want    error // nil: must verify
	}{
		{name: "valid", header: good},
		{name: "valid with spaces after commas", header: "t=1700000000, v1=" + sig(secret)},
		{name: "uppercase hex", header: "t=1700000000,v1=" + strings.ToUpper(sig(secret))},
		{name: "unknown schemes ignored", header: "t=1700000000,v0=abcd,v2=zz,v1=" + sig(secret)},
		{name: "garbled v1 beside a good one", header: "t=1700000000,v1=nothex,v1=abcd,v1=" + sig(secret)},

		{name: "empty header", header: "", want: webhook.ErrNotSigned},
		{name: "blank header", header: "  ", want: webhook.ErrNotSigned},

		{name: "not key=value", header: "garbage", want: webhook.ErrInvalidHeader},
		{name: "no timestamp", header: "v1=" + sig(secret), want: webhook.ErrInvalidHeader},
		{name: "timestamp not a number", header: "t=abc,v1=" + sig(secret), want: webhook.ErrInvalidHeader},
		{name: "signed timestamp", header: "t=+1700000000,v1=" + sig(secret), want: webhook.ErrInvalidHeader},
		{name: "leading zero", header: "t=01700000000,v1=" + sig(secret), want: webhook.ErrInvalidHeader},
		{name: "fractional timestamp", header: "t=1700000000.5,v1=" + sig(secret), want: webhook.ErrInvalidHeader},
		{name: "huge timestamp", header: "t=99999999999999999999,v1=" + sig(secret), want: webhook.ErrInvalidHeader},
		{name: "two timestamps", header: "t=1700000000,t=1700000001,v1=" + sig(secret), want: webhook.ErrInvalidHeader},
		{name: "trailing comma", header: good + ",", want: webhook.ErrInvalidHeader},

		{name: "no v1", header: "t=1700000000", want: webhook.ErrNoValidSignature},
		{name: "only v0", header: "t=1700000000,v0=" + sig(secret), want: webhook.ErrNoValidSignature},
		{name: "tampered body", payload: []byte(strings.Replace(string(body), `"sequence":7`, `"sequence":8`, 1)), header: good, want: webhook.ErrNoValidSignature},
		{name: "wrong secret", header: good, secret: secret2, want: webhook.ErrNoValidSignature},
		{name: "timestamp changed", header: strings.Replace(good, "t=1700000000", "t=1700000001", 1), want: webhook.ErrNoValidSignature},
		{name: "truncated signature", header: good[:len(good)-2], want: webhook.ErrNoValidSignature},
		{name: "forged and stale reports the forgery", header: good, secret: secret2, now: t0.Add(time.Hour), want: webhook.ErrNoValidSignature},

		{name: "stale", header: good, now: t0.Add(time.Hour), want: webhook.ErrTooOld},
		{name: "future", header: good, now: t0.Add(-time.Hour), want: webhook.ErrTooOld},

		{name: "empty secret", header: good, secret: "-", want: webhook.ErrInvalidSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			payload := body
			if tc.payload != nil {
				payload = tc.payload
			}
			s := secret
			switch tc.secret {
			case "":
			case "-":
				s = ""
			default:
				s = tc.secret
			}
			now := t0
			if !tc.now.IsZero() {
				now = tc.now
			}
			v := webhook.Verifier{Tolerance: tc.tol, Now: func() time.Time { return now }}
			err := v.ValidatePayload(payload, tc.header, s)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ValidatePayload = %v, want nil", err)
				}
			} else if !errors.Is(err, tc.want) {
				t.Fatalf("ValidatePayload = %v, want %v", err, tc.want)
			}
			// ConstructEvent verifies the same way.
			_, err2 := v.ConstructEvent(payload, tc.header, s)
			if (err == nil) != (err2 == nil) || (tc.want != nil && !errors.Is(err2, tc.want)) {
				t.Fatalf("ConstructEvent = %v, ValidatePayload = %v", err2, err)
			}
		})
	}
}

func TestToleranceEdges(t *testing.T) {
	header := webhook.SignatureHeader(t0, body, secret)
	std, err := webhook.Sign("evt_1", t0, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		now  time.Time
		tol  time.Duration
		ok   bool
	}{
		{"same second", t0, 0, true},
		{"default, exactly 300s old", t0.Add(300 * time.Second), 0, true},
		{"default, 300s+1ns old", t0.Add(300*time.Second + 1), 0, false},
		{"default, 301s old", t0.Add(301 * time.Second), 0, false},
		{"default, exactly 300s ahead", t0.Add(-300 * time.Second), 0, true},
		{"default, 300s+1ns ahead", t0.Add(-300*time.Second - 1), 0, false},
		{"default, 301s ahead", t0.Add(-301 * time.Second), 0, false},
		{"negative tolerance means default", t0.Add(300 * time.Second), -1, true},
		{"10s, 10s old", t0.Add(10 * time.Second), 10 * time.Second, true},
		{"10s, 11s old", t0.Add(11 * time.Second), 10 * time.Second, false},
		{"10s, 10s ahead", t0.Add(-10 * time.Second), 10 * time.Second, true},
		{"10s, 11s ahead", t0.Add(-11 * time.Second), 10 * time.Second, false},
		{"1h, 59m old", t0.Add(59 * time.Minute), time.Hour, true},
		{"year 1970 clock", time.Unix(0, 0), 0, false},
		{"far future clock", time.Unix(1<<40, 0), 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := webhook.Verifier{Tolerance: tc.tol, Now: func() time.Time { return tc.now }}
			for name, err := range map[string]error{
				"ValidatePayload": v.ValidatePayload(body, header, secret),
				"VerifyStandard":  v.VerifyStandard(body, std, secret),
			} {
				if tc.ok && err != nil {
					t.Errorf("%s = %v, want nil", name, err)
				}
				if !tc.ok && !errors.Is(err, webhook.ErrTooOld) {
					t.Errorf("%s = %v, want ErrTooOld", name, err)
				}
			}
		})
	}
}

// The package-level functions use the real clock.
func TestPackageFunctionsUseRealClock(t *testing.T) {
	now := time.Now()
	fresh := webhook.SignatureHeader(now, body, secret)
	stale := webhook.SignatureHeader(now.Add(-10*time.Minute), body, secret)
	future := webhook.SignatureHeader(now.Add(10*time.Minute), body, secret)

	if err := webhook.ValidatePayload(body, fresh, secret, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := webhook.ConstructEvent(body, fresh, secret); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{stale, future} {
		if _, err := webhook.ConstructEvent(body, h, secret); !errors.Is(err, webhook.ErrTooOld) {
			t.Fatalf("ConstructEvent(%q) = %v, want ErrTooOld", h, err)
		}
		if err := webhook.ValidatePayload(body, h, secret, 0); !errors.Is(err, webhook.ErrTooOld) {
			t.Fatalf("ValidatePayload = %v, want ErrTooOld", err)
		}
	}
	// A wider tolerance accepts them.
	for _, h := range []string{stale, future} {
		if _, err := webhook.ConstructEventWithTolerance(body, h, secret, 11*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := webhook.ConstructEventWithTolerance(body, stale, secret, 9*time.Minute); !errors.Is(err, webhook.ErrTooOld) {
		t.Fatal(err)
	}
}

// During a rotation checkoutd signs with both secrets; a receiver holding
// either one verifies, one holding neither does not.
func TestRotation(t *testing.T) {
	v := at(t0)
	header := webhook.SignatureHeader(t0, body, secret2, secret)
	std, err := webhook.Sign("evt_1", t0, body, secret2, secret)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(std.Get("webhook-signature"))); n != 2 {
		t.Fatalf("webhook-signature has %d signatures", n)
	}
	for _, s := range []string{secret, secret2} {
		if err := v.ValidatePayload(body, header, s); err != nil {
			t.Errorf("ValidatePayload: %v", err)
		}
		if err := v.VerifyStandard(body, std, s); err != nil {
			t.Errorf("VerifyStandard: %v", err)
		}
	}
	third := webhook.NewSecret()
	if err := v.ValidatePayload(body, header, third); !errors.Is(err, webhook.ErrNoValidSignature) {
		t.Errorf("third secret: ValidatePayload = %v", err)
	}
	if err := v.VerifyStandard(body, std, third); !errors.Is(err, webhook.ErrNoValidSignature) {
		t.Errorf("third secret: VerifyStandard = %v", err)
	}
}

func TestConstructEventDecodes(t *testing.T) {
	e, err := at(t0).ConstructEvent(body, webhook.SignatureHeader(t0, body, secret), secret)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "evt_1" || e.Object != "event" || e.Type != "checkout.session.completed" ||
		e.Created != 1700000000 || e.CreatedAt != "2023-11-14T22:13:20Z" || e.Livemode || e.Sequence != 7 ||
		string(e.Data.Object) != `{"id":"cs_1","object":"checkout.session"}` {
		t.Fatalf("event %+v", e)
	}

	// A correctly signed body that is not JSON: an error, but none of the
	// signature sentinels.
	notJSON := []byte("not json")
	_, err = at(t0).ConstructEvent(notJSON, webhook.SignatureHeader(t0, notJSON, secret), secret)
	if err == nil {
		t.Fatal("decoded non-JSON")
	}
	for _, s := range []error{webhook.ErrNotSigned, webhook.ErrInvalidHeader, webhook.ErrNoValidSignature, webhook.ErrTooOld, webhook.ErrInvalidSecret} {
		if errors.Is(err, s) {
			t.Fatalf("decode error %v wraps %v", err, s)
		}
	}
}

func TestVerifyStandard(t *testing.T) {
	signed, err := webhook.Sign("evt_1", t0, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	sig := signed.Get("webhook-signature")
	otherSig, _ := webhook.StandardSignature("evt_1", t0, body, secret2)
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = []string{kv[i+1]} // raw keys: test non-canonical spellings too
		}
		return h
	}
	std := func(id, ts, sig string) http.Header {
		return hdr("Webhook-Id", id, "Webhook-Timestamp", ts, "Webhook-Signature", sig)
	}
	tests := []struct {
		name    string
		payload []byte
		headers http.Header
		secret  string
		now     time.Time
		want    error
	}{
		{name: "valid", headers: signed},
		{name: "valid, built by hand", headers: std("evt_1", "1700000000", sig)},
		{name: "extra spaces", headers: std("evt_1", "1700000000", "  "+otherSig+"   "+sig+" ")},
		{name: "other versions ignored", headers: std("evt_1", "1700000000", "v1a,abcd v2,xyz "+sig)},
		{name: "garbled v1 beside a good one", headers: std("evt_1", "1700000000", "v1,!!! v1,AAAA "+sig)},

		{name: "no headers", headers: http.Header{}, want: webhook.ErrNotSigned},
		{name: "only Checkout-Signature", headers: hdr("Checkout-Signature", webhook.SignatureHeader(t0, body, secret)), want: webhook.ErrNotSigned},

		{name: "missing id", headers: std("", "1700000000", sig), want: webhook.ErrInvalidHeader},
		{name: "missing timestamp", headers: std("evt_1", "", sig), want: webhook.ErrInvalidHeader},
		{name: "missing signature", headers: std("evt_1", "1700000000", ""), want: webhook.ErrInvalidHeader},
		{name: "timestamp not a number", headers: std("evt_1", "soon", sig), want: webhook.ErrInvalidHeader},
		{name: "timestamp in ms", headers: std("evt_1", "1700000000000.0", sig), want: webhook.ErrInvalidHeader},
		{name: "signature without version", headers: std("evt_1", "1700000000", strings.TrimPrefix(sig, "v1,")), want: webhook.ErrInvalidHeader},

		{name: "no v1", headers: std("evt_1", "1700000000", "v1a,abcd"), want: webhook.ErrNoValidSignature},
		{name: "tampered body", payload: append([]byte(" "), body...), headers: signed, want: webhook.ErrNoValidSignature},
		{name: "wrong secret", headers: signed, secret: secret2, want: webhook.ErrNoValidSignature},
		{name: "other id", headers: std("evt_2", "1700000000", sig), want: webhook.ErrNoValidSignature},
		{name: "other timestamp", headers: std("evt_1", "1700000001", sig), want: webhook.ErrNoValidSignature},
		{name: "hex instead of base64", headers: std("evt_1", "1700000000", "v1,"+hex.EncodeToString(make([]byte, 32))), want: webhook.ErrNoValidSignature},
		{name: "forged and stale reports the forgery", headers: signed, secret: secret2, now: t0.Add(time.Hour), want: webhook.ErrNoValidSignature},

		{name: "stale", headers: signed, now: t0.Add(301 * time.Second), want: webhook.ErrTooOld},
		{name: "future", headers: signed, now: t0.Add(-301 * time.Second), want: webhook.ErrTooOld},

		{name: "secret not base64", headers: signed, secret: "whsec_not base64!", want: webhook.ErrInvalidSecret},
		{name: "empty secret", headers: signed, secret: "whsec_", want: webhook.ErrInvalidSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			payload := body
			if tc.payload != nil {
				payload = tc.payload
			}
			s := secret
			if tc.secret != "" {
				s = tc.secret
			}
			now := t0
			if !tc.now.IsZero() {
				now = tc.now
			}
			err := at(now).VerifyStandard(payload, tc.headers, s)
			if tc.want == nil && err != nil {
				t.Fatalf("VerifyStandard = %v, want nil", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("VerifyStandard = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSign(t *testing.T) {
	h, err := webhook.Sign("evt_1", t0, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	std, _ := webhook.StandardSignature("evt_1", t0, body, secret)
	want := map[string]string{
		"Checkout-Signature": webhook.SignatureHeader(t0, body, secret),
		"webhook-id":         "evt_1",
		"webhook-timestamp":  "1700000000",
		"webhook-signature":  std,
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("headers %v", h)
	}
	for _, bad := range [][]string{nil, {""}, {secret, "whsec_%%%"}} {
		if _, err := webhook.Sign("evt_1", t0, body, bad...); !errors.Is(err, webhook.ErrInvalidSecret) {
			t.Errorf("Sign(%q) = %v, want ErrInvalidSecret", bad, err)
		}
	}
	if _, err := webhook.StandardSignature("evt_1", t0, body, "whsec_%%%"); !errors.Is(err, webhook.ErrInvalidSecret) {
		t.Errorf("StandardSignature = %v", err)
	}
}

func TestGenerateTestSignedPayload(t *testing.T) {
	sp, err := webhook.GenerateTestSignedPayload(body, secret, t0.Add(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !sp.Timestamp.Equal(t0) || sp.MessageID != "evt_1" || string(sp.Payload) != string(body) {
		t.Fatalf("%+v", sp)
	}
	if sp.Header != sp.Headers.Get("Checkout-Signature") || sp.Headers.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", sp.Headers)
	}
	v := at(t0)
	if _, err := v.ConstructEvent(sp.Payload, sp.Header, secret); err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyStandard(sp.Payload, sp.Headers, secret); err != nil {
		t.Fatal(err)
	}

	// Without an "id", a random message ID; zero time means now.
	sp, err = webhook.GenerateTestSignedPayload([]byte("plain"), secret, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sp.MessageID, "msg_") || time.Since(sp.Timestamp) > time.Minute {
		t.Fatalf("%+v", sp)
	}
	if err := webhook.VerifyStandard(sp.Payload, sp.Headers, secret, 0); err != nil {
		t.Fatal(err)
	}

	if _, err := webhook.GenerateTestSignedPayload(body, "not base64!", t0); !errors.Is(err, webhook.ErrInvalidSecret) {
		t.Fatalf("bad secret: %v", err)
	}
}

// Merchants import this package: it must stay standard-library only.
func TestStandardLibraryOnly(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
			t.Errorf("webhook imports %s; it must use the standard library only", imp)
		}
	}
}
