package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// TestAPIKeys: each APIKeyService method sends its route and body, and the
// answer decodes, null times as zero ones.
func TestAPIKeys(t *testing.T) {
	const key = `{"id":"key_1","object":"api_key","livemode":false,"hint":"abcd","revoked":false,"secret":"sk_test_x","created_at":"2026-05-04T10:00:00Z","last_used_at":null,"revoked_at":null,"expires_at":"2026-05-04T11:00:00Z"}`
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/v1/api_keys" && r.Method == http.MethodGet {
			writeJSON(w, 200, `{"object":"list","data":[`+key+`],"has_more":false,"url":"/v1/api_keys"}`)
			return
		}
		writeJSON(w, 200, key)
	})
	c := f.client()
	ctx := context.Background()
	k, err := c.APIKeys.Create(ctx)
	if err != nil || k.Secret != "sk_test_x" || !k.LastUsedAt.IsZero() || !k.ExpiresAt.Equal(time.Date(2026, 5, 4, 11, 0, 0, 0, time.UTC)) {
		t.Fatalf("Create = %+v, %v", k, err)
	}
	if _, err := c.APIKeys.Get(ctx, "key_1"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, err := range c.APIKeys.All(ctx, nil) {
		if err != nil || k.ID != "key_1" {
			t.Fatalf("All: %+v, %v", k, err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("All yielded %d keys, want 1", n)
	}
	if _, err := c.APIKeys.Revoke(ctx, "key_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.APIKeys.Roll(ctx, "key_1", 90*time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.APIKeys.Get(ctx, ""); err == nil {
		t.Error("Get(\"\") succeeded")
	}
	want := []struct{ method, path string }{
		{"POST", "/v1/api_keys"}, {"GET", "/v1/api_keys/key_1"}, {"GET", "/v1/api_keys"},
		{"POST", "/v1/api_keys/key_1/revoke"}, {"POST", "/v1/api_keys/key_1/roll"},
	}
	reqs := f.requests()
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, w := range want {
		if reqs[i].Method != w.method || reqs[i].Path != w.path {
			t.Errorf("request %d: %s %s, want %s %s", i, reqs[i].Method, reqs[i].Path, w.method, w.path)
		}
		if w.method == "POST" && reqs[i].Header.Get("Idempotency-Key") == "" {
			t.Errorf("request %d has no Idempotency-Key", i)
		}
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[4].Body, &body); err != nil || body["expire_old_in"] != float64(5400) {
		t.Errorf("roll body %s: want expire_old_in 5400", reqs[4].Body)
	}
}
