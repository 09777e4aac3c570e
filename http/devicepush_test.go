package http_test

import (
	"context"
	"errors"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// inStoreBody is a seed 002 create body of an in_store-only session for
// device dev.
func inStoreBody(dev string) map[string]any {
	return map[string]any{"amountMinor": 500, "currency": "GHS", "allowedMethods": []string{"in_store"}, "companionDeviceId": dev,
		"successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"}
}

// pushOf is a session answer's device push (v2's devicePush, or the
// canonical device_push), nil when null.
func pushOf(r *response, path ...string) map[string]any {
	m, _ := r.get(path...).(map[string]any)
	return m
}

// TestV2SessionDevicePush: a session's answers say what became of its push
// to its device, in both APIs: pending while the device has not answered,
// failed with the payment's code once it declined (the session staying
// open), succeeded once approved; null without a device or before a push.
func TestV2SessionDevicePush(t *testing.T) {
	e := newPageEnv(t)
	dev, tok := e.pairedDevice(e.key, "Till")
	c := e.v2Create(t, e.key, inStoreBody(dev))
	id := c.str("data", "id")
	if p := pushOf(c, "data", "devicePush"); p == nil || p["status"] != "pending" || p["failureCode"] != nil || p["failureMessage"] != nil {
		t.Fatalf("devicePush at creation: %s", c.body)
	}
	if p := pushOf(e.get("/v1/checkout/sessions/"+id, e.key), "device_push"); p == nil || p["status"] != "pending" || p["failure_code"] != nil {
		t.Fatalf("canonical device_push: %v", p)
	}

	if r := e.device("POST", "/v2/devices/me/checkouts/"+id+"/result", tok, map[string]any{"outcome": "declined", "reason": "card_declined"}); r.status != 200 {
		t.Fatalf("decline: %d %s", r.status, r.body)
	}
	g := e.v2("GET", "/v2/checkout-sessions/"+id, e.key, nil)
	if p := pushOf(g, "data", "devicePush"); g.str("data", "status") != "open" || p == nil || p["status"] != "failed" || p["failureCode"] != "card_declined" || p["failureMessage"] == nil {
		t.Fatalf("after a decline: %s", g.body)
	}
	l := e.v2("GET", "/v2/checkout-sessions", e.key, nil)
	if first, _ := l.get("data").([]any)[0].(map[string]any); first["devicePush"].(map[string]any)["failureCode"] != "card_declined" {
		t.Fatalf("the list's devicePush: %s", l.body)
	}
	if p := pushOf(e.get("/v1/checkout/sessions/"+id, e.key), "device_push"); p["status"] != "failed" || p["failure_code"] != "card_declined" {
		t.Fatalf("canonical device_push after a decline: %v", p)
	}

	// Approved: succeeded.
	ok := e.v2Create(t, e.key, inStoreBody(dev))
	if r := e.device("POST", "/v2/devices/me/checkouts/"+ok.str("data", "id")+"/result", tok, map[string]any{"outcome": "approved", "brand": "visa", "last4": "4242"}); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if p := pushOf(e.v2("GET", "/v2/checkout-sessions/"+ok.str("data", "id"), e.key, nil), "data", "devicePush"); p["status"] != "succeeded" {
		t.Fatalf("after an approval: %v", p)
	}

	// Not pushed: no device, or in_store not chosen yet.
	card := e.v2Create(t, e.key, map[string]any{"amountMinor": 500, "currency": "GHS", "successUrl": "https://shop.example/ok", "cancelUrl": "https://shop.example/no"})
	body := inStoreBody(dev)
	body["allowedMethods"] = []string{"card", "in_store"}
	either := e.v2Create(t, e.key, body)
	for _, r := range []*response{card, either} {
		if v, present := r.get("data").(map[string]any)["devicePush"]; !present || v != nil {
			t.Errorf("devicePush of a session not pushed: %s", r.body)
		}
	}
}

// failingInStore is the simulator, but its in-store start fails as a
// provider that cannot be reached does.
type failingInStore struct{ *sim.Provider }

func (f failingInStore) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	if req.Payment.Method == checkout.MethodInStore {
		return checkout.ProviderResult{}, errors.New("the terminal service is down")
	}
	return f.Provider.Start(ctx, req)
}

// TestV2SessionDevicePushFailedAtCreation: an in_store-only session whose
// push fails at creation is still made (200, open), and its answer says the
// push failed and why, in both APIs.
func TestV2SessionDevicePushFailedAtCreation(t *testing.T) {
	e := newEnv(t)
	e.configure(func(c *service.Config) {
		r := service.NewRegistry()
		r.Register("sim", func(*checkout.Account, bool) (checkout.Provider, error) { return failingInStore{sim.New(e.clock)}, nil })
		r.Route(false, "sim", checkout.MethodCard, checkout.MethodInStore)
		c.Providers = r
	})
	dev, _ := e.pairedDevice(e.key, "Till")
	c := e.v2Create(t, e.key, inStoreBody(dev))
	p := pushOf(c, "data", "devicePush")
	if c.str("data", "status") != "open" || p == nil || p["status"] != "failed" || p["failureCode"] != "processing_error" || p["failureMessage"] == nil {
		t.Fatalf("a push that failed at creation: %s", c.body)
	}
	canonical := pushOf(e.get("/v1/checkout/sessions/"+c.str("data", "id"), e.key), "device_push")
	if canonical["status"] != "failed" || canonical["failure_code"] != "processing_error" {
		t.Fatalf("canonical device_push: %v", canonical)
	}
}
