package http_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestWebhookEndpointReplayReturnsSecret pins a documented behaviour: a
// replayed POST /v1/webhook_endpoints (or rotate_secret) answers the first
// response byte for byte, so it carries the signing secret again. Whoever
// holds the Idempotency-Key can read the secret for 24 hours; the README
// says to guard the key like the secret.
func TestWebhookEndpointReplayReturnsSecret(t *testing.T) {
	e := newEnv(t)
	e.webhooks(false)
	body := map[string]any{"url": "https://hooks.example/in", "enabled_events": []any{"*"}}
	first := e.postJSON("/v1/webhook_endpoints", e.key, body, "Idempotency-Key", "create-endpoint-1")
	secret := first.str("secret")
	if first.status != 200 || len(secret) < len("whsec_")+16 || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("create: %d %q %s", first.status, first.header.Get("Idempotent-Replayed"), first.body)
	}
	again := e.postJSON("/v1/webhook_endpoints", e.key, body, "Idempotency-Key", "create-endpoint-1")
	if again.status != 200 || again.header.Get("Idempotent-Replayed") != "true" || again.str("secret") != secret || !bytes.Equal(again.body, first.body) {
		t.Fatalf("replay: %d Idempotent-Replayed %q, secret %q (first %q)\n%s\n%s", again.status, again.header.Get("Idempotent-Replayed"), again.str("secret"), secret, again.body, first.body)
	}
	if r := e.get("/v1/webhook_endpoints", e.key); len(r.get("data").([]any)) != 1 {
		t.Fatalf("the replay made another endpoint: %s", r.body)
	}

	id := first.str("id")
	rotated := e.do("POST", "/v1/webhook_endpoints/"+id+"/rotate_secret", e.key, "", nil, "Idempotency-Key", "rotate-1")
	newSecret := rotated.str("secret")
	if rotated.status != 200 || newSecret == "" || newSecret == secret {
		t.Fatalf("rotate: %d %s", rotated.status, rotated.body)
	}
	replayed := e.do("POST", "/v1/webhook_endpoints/"+id+"/rotate_secret", e.key, "", nil, "Idempotency-Key", "rotate-1")
	if replayed.header.Get("Idempotent-Replayed") != "true" || replayed.str("secret") != newSecret || !bytes.Equal(replayed.body, rotated.body) {
		t.Fatalf("rotate replay: %q %s", replayed.header.Get("Idempotent-Replayed"), replayed.body)
	}
	// The replay rotated nothing: the endpoint holds the new secret and the
	// old one in its overlap, no third.
	ep, err := e.store.GetEndpoint(context.Background(), checkout.Scope{AccountID: "acct_a"}, id)
	if err != nil || len(ep.Secrets) != 2 {
		t.Fatalf("endpoint after a rotation and its replay: %v, %d secrets", err, len(ep.Secrets))
	}
}
