package http_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/checkoutd/checkoutd/client"
)

// TestOpenAPIRefunds drives /v1/refunds against a real server with the
// simulator: partial and full refunds (as JSON and as a form), the replay of
// an idempotent one, the refusals naming the parameter, reads and lists,
// the payment's amount_refunded and the refund events; every exchange
// validates against the document.
func TestOpenAPIRefunds(t *testing.T) {
	o := newOAEnv(t)
	ps := o.payments()
	card := ps.card
	post := func(status int, verdict oaVerdict, header []string, ct string, body []byte) *response {
		return o.exchange(oaRequest{method: "POST", path: "/v1/refunds", auth: oaBearer(o.key), contentType: ct, body: body,
			header: header, status: status, request: verdict})
	}
	jsonPost := func(status int, verdict oaVerdict, body map[string]any) *response {
		return post(status, verdict, nil, "application/json", oaJSON(t, body))
	}

	part := jsonPost(200, oaValid, map[string]any{"payment": card.ID, "amount": 1000, "reason": "requested_by_customer", "metadata": map[string]string{"ticket": "42"}})
	if part.str("object") != "refund" || part.str("status") != "succeeded" || part.get("amount") != 1000.0 || part.str("payment") != card.ID ||
		part.str("reason") != "requested_by_customer" || part.str("metadata", "ticket") != "42" || part.str("source") != "api" ||
		part.get("automatic") != false || part.str("provider") != "sim" || part.str("provider_reference") == "" || part.get("failure_code") != nil {
		t.Fatalf("partial refund: %s", part.body)
	}

	// Refusals: each names its parameter, or says what state is wrong.
	for _, c := range []struct {
		body    map[string]any
		status  int
		verdict oaVerdict
		param   string
		code    string
	}{
		{map[string]any{"payment": card.ID, "amount": card.Amount}, 400, oaValid, "amount", "amount_too_large"},
		{map[string]any{"payment": card.ID, "amount": 0}, 400, oaInvalid, "amount", ""},
		{map[string]any{"amount": 5}, 400, oaInvalid, "payment", "parameter_missing"},
		{map[string]any{"payment": card.ID, "reason": "session_unavailable"}, 400, oaInvalid, "reason", ""},
		{map[string]any{"payment": card.ID, "refund_application_fee": true}, 400, oaInvalid, "refund_application_fee", ""},
		{map[string]any{"payment": "pay_nope"}, 404, oaValid, "payment", "resource_missing"},
		{map[string]any{"payment": ps.declined.ID}, 400, oaValid, "", "payment_not_succeeded"},
		{map[string]any{"payment": ps.voucher.ID}, 400, oaValid, "", "payment_not_succeeded"},
	} {
		r := jsonPost(c.status, c.verdict, c.body)
		if r.str("error", "param") != c.param || (c.code != "" && r.str("error", "code") != c.code) {
			t.Errorf("%v: %s; want param %q, code %q", c.body, r.body, c.param, c.code)
		}
	}
	o.exchange(oaRequest{method: "POST", path: "/v1/refunds", auth: oaBearer(o.keyB), contentType: "application/json",
		body: oaJSON(t, map[string]any{"payment": card.ID}), status: 404})

	// The rest, as a form, under an Idempotency-Key: the retry replays it.
	idem := []string{"Idempotency-Key", "refund-rest"}
	form := []byte(url.Values{"payment": {card.ID}, "reason": {"duplicate"}}.Encode())
	rest := post(200, oaValid, idem, "application/x-www-form-urlencoded", form)
	if rest.str("status") != "succeeded" || rest.get("amount") != float64(card.Amount-1000) {
		t.Fatalf("the rest: %s", rest.body)
	}
	again := post(200, oaValid, idem, "application/x-www-form-urlencoded", form)
	if again.header.Get("Idempotent-Replayed") != "true" || again.str("id") != rest.str("id") {
		t.Fatalf("the retry made another refund: %s", again.body)
	}
	if r := jsonPost(400, oaValid, map[string]any{"payment": card.ID, "amount": 1}); r.str("error", "code") != "charge_already_refunded" {
		t.Errorf("a refunded payment: %s", r.body)
	}
	if p := o.exchange(oaRequest{method: "GET", path: "/v1/payments/" + card.ID, auth: oaBearer(o.key), status: 200}); p.get("amount_refunded") != float64(card.Amount) {
		t.Errorf("payment: %s", p.body)
	}

	// Reads and lists.
	if r := o.exchange(oaRequest{method: "GET", path: "/v1/refunds/" + part.str("id"), auth: oaBearer(o.key), status: 200}); string(r.body) != string(part.body) {
		t.Errorf("retrieved %s; created %s", r.body, part.body)
	}
	o.exchange(oaRequest{method: "GET", path: "/v1/refunds/re_nope", auth: oaBearer(o.key), status: 404})
	o.exchange(oaRequest{method: "GET", path: "/v1/refunds/" + part.str("id"), auth: oaBearer(o.keyB), status: 404})
	o.exchange(oaRequest{method: "GET", path: "/v1/refunds/" + part.str("id"), auth: oaBearer(o.liveA), status: 404})
	ids := func(r *response) (out []string) {
		data, _ := r.get("data").([]any)
		for _, d := range data {
			out = append(out, d.(map[string]any)["id"].(string))
		}
		return out
	}
	list := func(status int, query string) *response {
		return o.exchange(oaRequest{method: "GET", path: "/v1/refunds" + query, auth: oaBearer(o.key), status: status})
	}
	if got := ids(list(200, "?payment="+card.ID)); len(got) != 2 || got[0] != rest.str("id") || got[1] != part.str("id") {
		t.Errorf("the payment's refunds: %v", got)
	}
	if first := list(200, "?payment="+card.ID+"&limit=1"); first.get("has_more") != true || len(ids(first)) != 1 {
		t.Errorf("first page: %s", first.body)
	}
	if got := ids(list(200, "?limit=1&starting_after="+rest.str("id"))); len(got) != 1 || got[0] != part.str("id") {
		t.Errorf("every refund, second page: %v", got)
	}
	if r := list(404, "?payment=pay_nope"); r.str("error", "param") != "payment" {
		t.Errorf("unknown payment: %s", r.body)
	}
	list(404, "?payment="+card.ID+"&starting_after=re_nope")
	list(400, "?status=succeeded")

	// Events: data.object is the refund, or the payment for payment.refunded.
	for typ, object := range map[string]string{"refund.created": "refund", "refund.succeeded": "refund", "payment.refunded": "payment"} {
		evs := o.exchange(oaRequest{method: "GET", path: "/v1/events?type=" + typ, auth: oaBearer(o.key), status: 200})
		data, _ := evs.get("data").([]any)
		if len(data) != 2 {
			t.Errorf("%d %s events, want 2", len(data), typ)
			continue
		}
		obj := data[0].(map[string]any)["data"].(map[string]any)["object"].(map[string]any)
		if obj["object"] != object {
			t.Errorf("%s carries a %v", typ, obj["object"])
		}
		if typ == "payment.refunded" && obj["amount_refunded"] != float64(card.Amount) {
			t.Errorf("the last payment.refunded shows amount_refunded %v", obj["amount_refunded"])
		}
	}
}

// TestSDKRefunds: the Go SDK's Refunds against the real server.
func TestSDKRefunds(t *testing.T) {
	o := newOAEnv(t)
	ps := o.payments()
	ctx := context.Background()
	c := client.New(o.key, client.WithBaseURL(o.srv.URL))
	r, err := c.Refunds.Create(ctx, &client.RefundParams{Payment: ps.card.ID, Amount: 250, Reason: "duplicate", Metadata: map[string]string{"k": "v"}})
	if err != nil || r.Status != "succeeded" || r.Amount != 250 || r.Reason != "duplicate" || r.Metadata["k"] != "v" || r.CreatedAt.IsZero() {
		t.Fatalf("create: %+v, %v", r, err)
	}
	_, err = c.Refunds.Create(ctx, &client.RefundParams{Payment: ps.card.ID, Amount: ps.card.Amount})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.HTTPStatusCode != 400 || ce.Param != "amount" {
		t.Fatalf("more than is left: %v", err)
	}
	rest, err := c.Refunds.Create(ctx, &client.RefundParams{Payment: ps.card.ID})
	if err != nil || rest.Amount != ps.card.Amount-250 {
		t.Fatalf("the rest: %+v, %v", rest, err)
	}
	if got, err := c.Refunds.Get(ctx, r.ID); err != nil || got.ID != r.ID || got.ProviderReference != r.ProviderReference {
		t.Fatalf("get: %+v, %v", got, err)
	}
	var ids []string
	for re, err := range c.Refunds.All(ctx, &client.RefundListParams{Payment: ps.card.ID, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, re.ID)
	}
	if len(ids) != 2 || ids[0] != rest.ID || ids[1] != r.ID {
		t.Fatalf("all of the payment's refunds: %v", ids)
	}
}
