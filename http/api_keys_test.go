package http_test

import (
	"strings"
	"testing"
	"time"
)

// TestBearerCaseInsensitive: the auth scheme is case-insensitive (RFC 7235
// §2.1), so "bearer" and "BEARER" carry the key as "Bearer" does.
func TestBearerCaseInsensitive(t *testing.T) {
	e := newEnv(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		r := e.do("GET", "/v1/checkout/sessions", "", "", nil, "Authorization", scheme+" "+e.key)
		if r.status != 200 {
			t.Errorf("Authorization: %s sk_…: %d %s; want 200", scheme, r.status, r.body)
		}
	}
	r := e.do("GET", "/v1/checkout/sessions", "", "", nil, "Authorization", "Bearerx "+e.key)
	if r.status != 401 {
		t.Errorf("Authorization: Bearerx sk_…: %d; want 401", r.status)
	}
}

// TestAPIKeys drives /v1/api_keys through every route and checks each
// exchange against the OpenAPI document: keys of the caller's account and
// mode only, the secret shown once, revocation (of the calling key too) and
// rolling with an overlap.
func TestAPIKeys(t *testing.T) {
	o := newOAEnv(t)
	const keys = "/v1/api_keys"
	j := "application/json"

	made := o.exchange(oaRequest{method: "POST", path: keys, auth: oaBearer(o.key), contentType: j, body: []byte("{}"), status: 200})
	id, secret := made.str("id"), made.str("secret")
	if !strings.HasPrefix(secret, "sk_test_") || made.get("livemode") != false || made.str("hint") != secret[len(secret)-4:] {
		t.Fatalf("created key: %s", made.body)
	}
	if r := o.get("/v1/checkout/sessions", secret); r.status != 200 {
		t.Fatalf("the new key: %d %s", r.status, r.body)
	}
	list := o.exchange(oaRequest{method: "GET", path: keys, auth: oaBearer(o.key), status: 200})
	data, _ := list.get("data").([]any)
	if len(data) != 2 || data[0].(map[string]any)["id"] != id {
		t.Fatalf("list: %s; want the new key and the account's first test key, newest first", list.body)
	}
	if strings.Contains(string(list.body), secret) || strings.Contains(string(list.body), `"secret"`) {
		t.Errorf("the list shows a secret: %s", list.body)
	}
	page := o.exchange(oaRequest{method: "GET", path: keys + "?limit=1", auth: oaBearer(o.key), status: 200})
	if page.get("has_more") != true {
		t.Errorf("limit=1: %s", page.body)
	}
	o.exchange(oaRequest{method: "GET", path: keys + "?starting_after=" + id, auth: oaBearer(o.key), status: 200})
	o.exchange(oaRequest{method: "GET", path: keys + "?starting_after=key_nope", auth: oaBearer(o.key), status: 404})
	o.exchange(oaRequest{method: "GET", path: keys + "?limit=0", auth: oaBearer(o.key), status: 400, request: oaInvalid})
	got := o.exchange(oaRequest{method: "GET", path: keys + "/" + id, auth: oaBearer(o.key), status: 200})
	if got.str("id") != id || got.get("secret") != nil {
		t.Errorf("get: %s; want the key, no secret", got.body)
	}

	// Another account's key, or the live key's view, finds nothing.
	for _, k := range []string{o.keyB, o.liveA} {
		o.exchange(oaRequest{method: "GET", path: keys + "/" + id, auth: oaBearer(k), status: 404})
		o.exchange(oaRequest{method: "POST", path: keys + "/" + id + "/revoke", auth: oaBearer(k), status: 404})
		o.exchange(oaRequest{method: "POST", path: keys + "/" + id + "/roll", auth: oaBearer(k), status: 404})
		l := o.exchange(oaRequest{method: "GET", path: keys, auth: oaBearer(k), status: 200})
		if strings.Contains(string(l.body), id) {
			t.Errorf("another scope lists the key: %s", l.body)
		}
	}
	live := o.exchange(oaRequest{method: "POST", path: keys, auth: oaBearer(o.liveA), status: 200})
	if !strings.HasPrefix(live.str("secret"), "sk_live_") || live.get("livemode") != true {
		t.Errorf("a key made with a live key: %s", live.body)
	}

	// Roll with an hour of overlap.
	rolled := o.exchange(oaRequest{method: "POST", path: keys + "/" + id + "/roll", auth: oaBearer(o.key), contentType: j,
		body: []byte(`{"expire_old_in": 3600}`), status: 200})
	next := rolled.str("secret")
	if rolled.str("id") == id || !strings.HasPrefix(next, "sk_test_") {
		t.Fatalf("roll: %s", rolled.body)
	}
	old := o.exchange(oaRequest{method: "GET", path: keys + "/" + id, auth: oaBearer(o.key), status: 200})
	if old.str("expires_at") != o.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339) {
		t.Errorf("the rolled key: %s; want expires_at an hour from now", old.body)
	}
	for _, k := range []string{secret, next} {
		if r := o.get("/v1/checkout/sessions", k); r.status != 200 {
			t.Errorf("within the overlap: %d %s", r.status, r.body)
		}
	}
	again := o.exchange(oaRequest{method: "POST", path: keys + "/" + id + "/roll", auth: oaBearer(o.key), status: 400})
	if again.str("error", "code") != "api_key_rolled" {
		t.Errorf("a second roll: %s", again.body)
	}
	o.clock.Add(time.Hour)
	expired := o.exchange(oaRequest{method: "GET", path: "/v1/checkout/sessions", auth: oaBearer(secret), status: 401})
	if expired.str("error", "code") != "api_key_expired" {
		t.Errorf("the old key past its expiry: %s", expired.body)
	}
	for _, b := range []string{`{"expire_old_in": -1}`, `{"expire_old_in": 604801}`, `{"expire_old_in": "soon"}`, `{"expire_in": 1}`} {
		before := o.exchange(oaRequest{method: "GET", path: keys + "?limit=100", auth: oaBearer(o.key), status: 200})
		r := o.exchange(oaRequest{method: "POST", path: keys + "/" + rolled.str("id") + "/roll", auth: oaBearer(o.key), contentType: j,
			body: []byte(b), status: 400, request: oaInvalid})
		if p := r.str("error", "param"); p != "expire_old_in" && p != "expire_in" {
			t.Errorf("roll %s: %s; want the parameter named", b, r.body)
		}
		after := o.exchange(oaRequest{method: "GET", path: keys + "?limit=100", auth: oaBearer(o.key), status: 200})
		if len(after.get("data").([]any)) != len(before.get("data").([]any)) {
			t.Errorf("roll %s made a key", b)
		}
	}

	// A key may revoke itself; the answer comes, the next request is refused.
	self := o.exchange(oaRequest{method: "POST", path: keys + "/" + rolled.str("id") + "/revoke", auth: oaBearer(next), status: 200})
	if self.get("revoked") != true || self.get("revoked_at") == nil {
		t.Fatalf("revoke: %s", self.body)
	}
	refused := o.exchange(oaRequest{method: "GET", path: keys, auth: oaBearer(next), status: 401})
	if refused.str("error", "code") != "api_key_revoked" || refused.header.Get("WWW-Authenticate") == "" {
		t.Errorf("a revoked key: %s", refused.body)
	}
	twice := o.exchange(oaRequest{method: "POST", path: keys + "/" + rolled.str("id") + "/revoke", auth: oaBearer(o.key), status: 200})
	if twice.str("revoked_at") != self.str("revoked_at") {
		t.Errorf("revoking twice changed revoked_at: %s then %s", self.body, twice.body)
	}
	r := o.exchange(oaRequest{method: "POST", path: keys + "/" + rolled.str("id") + "/roll", auth: oaBearer(o.key), status: 400})
	if r.str("error", "code") != "api_key_revoked" {
		t.Errorf("rolling a revoked key: %s", r.body)
	}
	o.exchange(oaRequest{method: "POST", path: keys + "/key_nope/revoke", auth: oaBearer(o.key), status: 404})
	o.exchange(oaRequest{method: "POST", path: keys + "/key_nope/revoke", auth: oaBearer(o.key), contentType: j,
		body: []byte(`{"now": true}`), status: 400, request: oaInvalid})
	o.exchange(oaRequest{method: "GET", path: keys + "/key_%00", auth: oaBearer(o.key), status: 404})
}
