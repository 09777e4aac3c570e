package http_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/client"
	"github.com/checkoutd/checkoutd/service"
)

// TestOpenAPICoupons validates every coupon and promotion code exchange
// against the document (JSON and forms, refusals, lists and filters,
// delete), a session with each kind of discount, and their events.
func TestOpenAPICoupons(t *testing.T) {
	o := newOAEnv(t)
	post := func(path, ct, body string, status int, verdict oaVerdict) *response {
		t.Helper()
		return o.exchange(oaRequest{method: "POST", path: path, auth: oaBearer(o.key), contentType: ct, body: []byte(body), status: status, request: verdict})
	}
	get := func(path string, status int) *response {
		t.Helper()
		return o.exchange(oaRequest{method: "GET", path: path, auth: oaBearer(o.key), status: status})
	}
	const js, form = "application/json", "application/x-www-form-urlencoded"
	third := post("/v1/coupons", js, `{"id":"THIRD","name":"A third off","percent_off":33.33,"max_redemptions":10,"redeem_by":"`+
		o.clock.Now().Add(time.Hour).Format(time.RFC3339)+`","metadata":{"k":"v"}}`, 200, oaValid)
	if string(third.body) == "" || !strings.Contains(string(third.body), `"percent_off":33.33,`) || third.get("valid") != true || third.str("duration") != "once" {
		t.Fatalf("coupon %s", third.body)
	}
	five := post("/v1/coupons", form, "amount_off=500&currency=GHS&name=Five", 200, oaValid)
	if !strings.HasPrefix(five.str("id"), "coupon_") || five.get("amount_off") != 500.0 || five.get("percent_off") != nil {
		t.Fatalf("coupon %s", five.body)
	}
	post("/v1/coupons", form, "percent_off=12.5", 200, oaValid)
	for _, bad := range []struct{ body, param string }{
		{`{"percent_off":10,"amount_off":5,"currency":"GHS"}`, "amount_off"},
		{`{"percent_off":100.5}`, "percent_off"},
		{`{"percent_off":1e1}`, "percent_off"},
		{`{"amount_off":5}`, "currency"},
		{`{"id":"THIRD","percent_off":5}`, "id"},
		{`{"percent_off":5,"duration":"forever"}`, "duration"},
		{`{}`, "percent_off"},
	} {
		verdict := oaSkip // the document cannot say every rule
		r := post("/v1/coupons", js, bad.body, 400, verdict)
		if r.str("error", "param") != bad.param {
			t.Errorf("%s: %s", bad.body, r.body)
		}
	}
	if list := get("/v1/coupons?limit=10", 200); len(list.get("data").([]any)) != 3 {
		t.Fatalf("coupons after refusals: %s", list.body)
	}
	get("/v1/coupons/THIRD", 200)
	get("/v1/coupons/NOPE", 404)
	get("/v1/coupons?limit=1&starting_after=THIRD", 200)

	code := post("/v1/promotion_codes", js, `{"coupon":"THIRD","code":"Summer10","max_redemptions":5}`, 200, oaValid)
	post("/v1/promotion_codes", form, "coupon="+five.str("id"), 200, oaValid)
	post("/v1/promotion_codes", js, `{"coupon":"THIRD","code":"SUMMER10"}`, 400, oaValid)
	post("/v1/promotion_codes", js, `{"coupon":"NOPE"}`, 400, oaValid)
	get("/v1/promotion_codes/"+code.str("id"), 200)
	get("/v1/promotion_codes/promo_nope", 404)
	if l := get("/v1/promotion_codes?code=summer10&active=true&coupon=THIRD", 200); len(l.get("data").([]any)) != 1 {
		t.Fatalf("filtered codes: %s", l.body)
	}
	post("/v1/promotion_codes/"+code.str("id"), form, "active=false", 200, oaValid)
	post("/v1/promotion_codes/"+code.str("id"), form, "code=OTHER", 400, oaInvalid)
	post("/v1/promotion_codes/"+code.str("id"), js, `{"active":true}`, 200, oaValid)

	// Sessions: a coupon as JSON, a promotion code as a form, a page code.
	s1 := post("/v1/checkout/sessions", js, `{"currency":"GHS","success_url":"https://shop.example/ok","cancel_url":"https://shop.example/no",`+
		`"line_items":[{"quantity":1,"price_data":{"currency":"GHS","unit_amount":1001,"product_data":{"name":"A"}}},`+
		`{"quantity":3,"price_data":{"currency":"GHS","unit_amount":333,"product_data":{"name":"B"}}}],"discounts":[{"coupon":"THIRD"}]}`, 200, oaValid)
	if s1.get("total_details", "amount_discount") != 667.0 || s1.get("amount_total") != 1333.0 || s1.get("amount_subtotal") != 2000.0 {
		t.Fatalf("session with a coupon: %s", s1.body)
	}
	d := s1.get("discounts").([]any)[0].(map[string]any)
	if d["amount"] != 667.0 || d["coupon"].(map[string]any)["id"] != "THIRD" || d["coupon"].(map[string]any)["percent_off"] != 33.33 || d["promotion_code"] != nil {
		t.Fatalf("its discount: %v", d)
	}
	var sum float64
	for _, li := range s1.get("line_items", "data").([]any) {
		item := li.(map[string]any)
		sum += item["amount_discount"].(float64)
		ld := item["discounts"].([]any)
		if len(ld) != 1 || ld[0].(map[string]any)["amount"] != item["amount_discount"] || ld[0].(map[string]any)["coupon"] != "THIRD" {
			t.Fatalf("item's discounts: %v", item)
		}
	}
	if sum != 667 {
		t.Fatalf("line discounts sum to %v", sum)
	}
	items := get("/v1/checkout/sessions/"+s1.str("id")+"/line_items?limit=1", 200)
	if ld := items.get("data").([]any)[0].(map[string]any)["discounts"].([]any); len(ld) != 1 {
		t.Fatalf("the line_items list: %s", items.body)
	}
	s2 := post("/v1/checkout/sessions", form, "amount=2000&currency=GHS&success_url=https://shop.example/ok&cancel_url=https://shop.example/no&discounts[0][promotion_code]="+
		code.str("id"), 200, oaValid)
	if s2.get("amount_total") != 1333.0 || s2.get("discounts").([]any)[0].(map[string]any)["promotion_code"] != code.str("id") {
		t.Fatalf("session with a code: %s", s2.body)
	}
	s3 := post("/v1/checkout/sessions", form, "amount=2000&currency=GHS&success_url=https://shop.example/ok&cancel_url=https://shop.example/no&allow_promotion_codes=true", 200, oaValid)
	if s3.get("allow_promotion_codes") != true || len(s3.get("discounts").([]any)) != 0 {
		t.Fatalf("session allowing codes: %s", s3.body)
	}
	for bad, param := range map[string]string{
		`{"amount":2000,"success_url":"https://shop.example/ok","cancel_url":"https://shop.example/no","discounts":[{"coupon":"NOPE"}]}`:                                    "discounts[0][coupon]",
		`{"amount":2000,"success_url":"https://shop.example/ok","cancel_url":"https://shop.example/no","discounts":[{"promotion_code":"promo_nope"}]}`:                      "discounts[0][promotion_code]",
		`{"amount":2000,"success_url":"https://shop.example/ok","cancel_url":"https://shop.example/no","discounts":[{"coupon":"THIRD"}],"allow_promotion_codes":true}`:      "discounts",
		`{"amount":2000,"currency":"EUR","success_url":"https://shop.example/ok","cancel_url":"https://shop.example/no","discounts":[{"coupon":"` + five.str("id") + `"}]}`: "discounts",
	} {
		if r := post("/v1/checkout/sessions", js, bad, 400, oaValid); r.str("error", "param") != param {
			t.Errorf("%s: %s, want %s", bad, r.body, param)
		}
	}

	del := o.exchange(oaRequest{method: "DELETE", path: "/v1/coupons/" + five.str("id"), auth: oaBearer(o.key), status: 200})
	if del.get("deleted") != true || del.get("valid") != false {
		t.Fatalf("deleted: %s", del.body)
	}
	o.exchange(oaRequest{method: "DELETE", path: "/v1/coupons/NOPE", auth: oaBearer(o.key), status: 404})
	for _, typ := range []string{"coupon.created", "coupon.deleted", "promotion_code.created", "promotion_code.updated"} {
		if l := get("/v1/events?type="+typ, 200); len(l.get("data").([]any)) == 0 {
			t.Errorf("no %s event", typ)
		}
	}
}

// TestPagePromotionCode applies a code on the hosted page without
// JavaScript: a bad code's message (nothing written), a good one in any
// case (the totals follow), removing it, then paying the discounted total.
func TestPagePromotionCode(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	scope := checkout.Scope{AccountID: e.accts[0]}
	if _, err := e.svc.CreateCoupon(ctx, scope, &service.CouponParams{ID: "TENOFF", Name: "Ten off", PercentOff: "10"}); err != nil {
		t.Fatal(err)
	}
	pc, err := e.svc.CreatePromotionCode(ctx, scope, &service.PromotionCodeParams{Coupon: "TENOFF", Code: "Summer10"})
	if err != nil {
		t.Fatal(err)
	}
	id := e.newSession(t, "amount", nil, "allow_promotion_codes", true, "line_items", []any{
		map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "GHS", "unit_amount": 1500, "product_data": map[string]any{"name": "Mug"}}},
		map[string]any{"quantity": 1, "price_data": map[string]any{"currency": "GHS", "unit_amount": 2000, "product_data": map[string]any{"name": "Tea"}}},
	})
	page := e.openOK(t, "/checkout/"+id)
	if in := page.byID("promotion_code"); in == nil || labelFor(page, "promotion_code") == "" {
		t.Fatal("no labelled promotion code field")
	}
	page.mustContain("Pay GH₵50.00")

	before := e.state(t, id)
	bad := page.submit("promotion_apply", []string{"promotion_code", "WINTER99"}).back()
	checkFieldError(t, bad, "promotion_code", "This code is not valid for this order.")
	if in := bad.byID("promotion_code"); attr(in, "value") != "WINTER99" {
		t.Errorf("the typed code is not shown again: %q", attr(in, "value"))
	}
	if after := e.state(t, id); after != before {
		t.Fatalf("a bad code wrote:\n%s\n%s", before, after)
	}

	good := bad.submit("promotion_apply", []string{"promotion_code", " summer10 "}).back()
	good.mustContain("Code Summer10 applied", "Pay GH₵45.00")
	if got := textOf(good.byID("subtotal")); got != "GH₵50.00" {
		t.Errorf("subtotal %q", got)
	}
	if got := textOf(good.byID("discount")); got != "−GH₵5.00" {
		t.Errorf("discount %q", got)
	}
	s := e.session(t, id)
	if s.get("amount_total") != 4500.0 || s.get("total_details", "amount_discount") != 500.0 ||
		s.get("discounts").([]any)[0].(map[string]any)["promotion_code"] != pc.ID {
		t.Fatalf("session after the code: %s", s.body)
	}

	removed := good.submit("promotion_remove", nil).back()
	removed.mustContain("Pay GH₵50.00")
	if removed.byID("discount") != nil {
		t.Error("the discount line stayed after removing the code")
	}

	again := removed.submit("promotion_apply", []string{"promotion_code", "SUMMER10"}).back()
	res := again.pay("4242 4242 4242 4242")
	if loc := res.location(); !strings.HasPrefix(loc, "https://shop.example/success") {
		t.Fatalf("pay went to %s", loc)
	}
	pays := e.payments(t, id)
	if len(pays) != 1 || pays[0]["amount"] != 4500.0 || pays[0]["status"] != "succeeded" {
		t.Fatalf("payments %v", pays)
	}
	if got, _ := e.svc.GetPromotionCode(ctx, scope, pc.ID); got.TimesRedeemed != 1 {
		t.Fatalf("code after the payment: %+v", got)
	}
	// A session that takes no codes has no field, and refuses a post.
	plain := e.newSession(t)
	p := e.openOK(t, "/checkout/"+plain)
	if p.byID("promotion_code") != nil {
		t.Error("a code field on a session without allow_promotion_codes")
	}
	csrf := p.form("card").values.Get("csrf_token")
	r := e.fetch(t, "POST", "/checkout/"+plain+"/promotion_code", url.Values{"csrf_token": {csrf}, "promotion_code": {"SUMMER10"}})
	if s := e.session(t, plain); r.status != 303 || s.get("total_details", "amount_discount") != 0.0 {
		t.Fatalf("a code on a session without codes: %d %s", r.status, s.body)
	}
	// Without the CSRF token nothing is read.
	if r := e.fetch(t, "POST", "/checkout/"+id+"/promotion_code", url.Values{"promotion_code": {"SUMMER10"}}); r.status != 403 {
		t.Fatalf("no token: %d", r.status)
	}
}

// TestHostSessionDiscount: seed 000's dialect takes discounts and shows
// the totals in its snapshot.
func TestHostSessionDiscount(t *testing.T) {
	e := newHostEnv(t)
	scope := checkout.Scope{AccountID: "org_demo"}
	if _, err := e.svc.CreateCoupon(context.Background(), scope, &service.CouponParams{ID: "FIVE", AmountOff: i64p(500), Currency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	body := seedSession()
	body["discounts"] = []any{map[string]any{"coupon": "FIVE"}}
	r := e.hostCreate(body, hostSecret)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	snap := e.get("/api/sessions/"+r.str("id"), "")
	if snap.get("amount") != 9499.0 || snap.get("amountSubtotal") != 9999.0 || snap.get("amountDiscount") != 500.0 ||
		snap.get("discounts").([]any)[0].(map[string]any)["coupon"] != "FIVE" {
		t.Fatalf("snapshot %s", snap.body)
	}
	body["discounts"] = []any{map[string]any{"coupon": "NOPE"}}
	if r := e.hostCreate(body, hostSecret); r.status != 400 || r.str("error", "param") != "discounts[0].coupon" {
		t.Fatalf("unknown coupon: %d %s", r.status, r.body)
	}
	body["discounts"] = []any{map[string]any{"promotionCode": "promo_nope"}}
	if r := e.hostCreate(body, hostSecret); r.status != 400 || r.str("error", "param") != "discounts[0].promotionCode" {
		t.Fatalf("unknown promotion code: %d %s", r.status, r.body)
	}
	delete(body, "discounts")
	body["allowPromotionCodes"] = true
	r = e.hostCreate(body, hostSecret)
	if snap := e.get("/api/sessions/"+r.str("id"), ""); snap.get("allowPromotionCodes") != true {
		t.Fatalf("snapshot %s", snap.body)
	}
}

func i64p(n int64) *int64 { return &n }

// TestSDKCoupons drives coupons, codes and a discounted session through
// the SDK.
func TestSDKCoupons(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	c := client.New(e.key, client.WithBaseURL(e.srv.URL))
	cp, err := c.Coupons.Create(ctx, &client.CouponParams{ID: "HALF", Name: "Half", PercentOff: client.PercentOff(5000), MaxRedemptions: 3})
	if err != nil {
		t.Fatal(err)
	}
	if cp.ID != "HALF" || cp.PercentOff != "50" || cp.MaxRedemptions != 3 || !cp.Valid || cp.RedeemBy != nil {
		t.Fatalf("created %+v", cp)
	}
	if _, err := c.Coupons.Create(ctx, &client.CouponParams{PercentOff: client.PercentOff(3333), Currency: "eur"}); err == nil {
		t.Fatal("a percent coupon with a currency was made")
	}
	on := true
	pc, err := c.PromotionCodes.Create(ctx, &client.PromotionCodeParams{Coupon: "HALF", Code: "HALFTIME"})
	if err != nil || pc.Code != "HALFTIME" || !pc.Active {
		t.Fatalf("code %+v %v", pc, err)
	}
	off := false
	if pc, err = c.PromotionCodes.Update(ctx, pc.ID, &client.PromotionCodeUpdateParams{Active: &off}); err != nil || pc.Active {
		t.Fatalf("update %+v %v", pc, err)
	}
	if pc, err = c.PromotionCodes.Update(ctx, pc.ID, &client.PromotionCodeUpdateParams{Active: &on}); err != nil || !pc.Active {
		t.Fatalf("update %+v %v", pc, err)
	}
	codes, err := c.PromotionCodes.List(ctx, &client.PromotionCodeListParams{Code: "halftime", Active: &on})
	if err != nil || len(codes.Data) != 1 {
		t.Fatalf("list %+v %v", codes, err)
	}
	sess, err := c.Sessions.Create(ctx, &client.SessionParams{Amount: 1001, Currency: "GHS", SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		Discounts: []client.DiscountParams{{PromotionCode: pc.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	if sess.AmountTotal != 500 || sess.TotalDetails.AmountDiscount != 501 || len(sess.Discounts) != 1 || sess.AllowPromotionCodes ||
		sess.Discounts[0].Coupon.ID != "HALF" || sess.Discounts[0].Coupon.PercentOff != "50" || sess.Discounts[0].PromotionCode != pc.ID {
		t.Fatalf("session %+v", sess)
	}
	items, err := c.Sessions.Create(ctx, &client.SessionParams{Currency: "GHS", SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		LineItems: []client.LineItemParams{{Quantity: 3, PriceData: &client.PriceDataParams{Currency: "GHS", UnitAmount: 333, ProductData: &client.ProductDataParams{Name: "Tea"}}}},
		Discounts: []client.DiscountParams{{Coupon: "HALF"}}})
	if err != nil || items.LineItems == nil || len(items.LineItems.Data) != 1 {
		t.Fatalf("session of items: %+v %v", items, err)
	}
	if li := items.LineItems.Data[0]; li.AmountDiscount != 500 || len(li.Discounts) != 1 || li.Discounts[0].Amount != 500 || li.Discounts[0].Coupon != "HALF" {
		t.Fatalf("item %+v", li)
	}
	n := 0
	for got, err := range c.Coupons.All(ctx, &client.CouponListParams{Limit: 1}) {
		if err != nil || got.ID != "HALF" {
			t.Fatalf("all: %+v %v", got, err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d coupons", n)
	}
	del, err := c.Coupons.Delete(ctx, "HALF")
	if err != nil || !del.Deleted || del.Valid {
		t.Fatalf("delete %+v %v", del, err)
	}
	if got, err := c.Coupons.Get(ctx, "HALF"); err != nil || !got.Deleted {
		t.Fatalf("get %+v %v", got, err)
	}
}

// TestPagePromotionCodeWhilePaymentWaits: while a payment waits (3-D
// Secure here), the page's Remove is refused with a message saying why,
// and the discount stays.
func TestPagePromotionCodeWhilePaymentWaits(t *testing.T) {
	e := newPageEnv(t)
	ctx := context.Background()
	scope := checkout.Scope{AccountID: e.accts[0]}
	if _, err := e.svc.CreateCoupon(ctx, scope, &service.CouponParams{ID: "HALF", PercentOff: "50"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreatePromotionCode(ctx, scope, &service.PromotionCodeParams{Coupon: "HALF", Code: "HALF"}); err != nil {
		t.Fatal(err)
	}
	id := e.newSession(t, "allow_promotion_codes", true)
	page := e.openOK(t, "/checkout/"+id).submit("promotion_apply", []string{"promotion_code", "HALF"}).back()
	page.mustContain("Code HALF applied")
	total := e.session(t, id).get("amount_total")
	if _, p, err := e.svc.Pay(ctx, id, service.PayParams{Method: checkout.MethodCard, Card: &checkout.Card{Number: "4000002760003184",
		ExpMonth: 12, ExpYear: time.Now().Year() + 2, CVC: "123"}}); err != nil || p.Status != checkout.PaymentRequiresAction {
		t.Fatalf("3-D Secure pay: %v %+v", err, p)
	}
	refused := page.submit("promotion_remove", nil).back()
	refused.mustContain("A payment for this order is waiting to be completed; the code cannot change until it ends.")
	if s := e.session(t, id); s.get("amount_total") != total || len(s.get("discounts").([]any)) != 1 {
		t.Fatalf("the discount changed while a payment waited: %s", s.body)
	}
}
