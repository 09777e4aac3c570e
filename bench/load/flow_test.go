package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
	"github.com/checkoutd/checkoutd/store/sqlite"
)

// checkoutdServer is the real handler over a real store in this process, set
// up as `checkoutd serve` does, with the given per-IP pay limit.
func checkoutdServer(t *testing.T, payLimit int) string {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), dbFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	providers := service.NewRegistry()
	providers.Register("sim", sim.Factory(sim.New(checkout.SystemClock{})))
	providers.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco)
	svc := service.New(service.Config{Store: store, PublicURL: ts.URL, Providers: providers})
	if _, _, _, err := svc.Bootstrap(context.Background(), "Default account", "GHS", benchKey); err != nil {
		t.Fatal(err)
	}
	srv := chttp.New(svc, nil, nil)
	srv.SetPayRateLimit(payLimit)
	h = srv
	return ts.URL
}

var benchAuth = http.Header{"Authorization": {"Bearer " + benchKey}}

func checkFlowCounts(t *testing.T, fr *flowResult) {
	t.Helper()
	f, s := fr.flow, fr.steps
	if f.requests() != len(f.lat) {
		t.Errorf("%d flows counted but %d flow times", f.requests(), len(f.lat))
	}
	if s[stepCreate].requests() != f.requests() {
		t.Errorf("%d creates for %d flows", s[stepCreate].requests(), f.requests())
	}
	if s[stepPage].requests() != s[stepCreate].ok || s[stepPay].requests() != s[stepPage].ok {
		t.Errorf("a step ran after a failed one: create ok %d, pages %d (ok %d), pays %d",
			s[stepCreate].ok, s[stepPage].requests(), s[stepPage].ok, s[stepPay].requests())
	}
	if f.ok != s[stepPay].ok || f.errors() != s[stepCreate].errors()+s[stepPage].errors()+s[stepPay].errors() {
		t.Errorf("flows ok %d / errors %d, steps' pay ok %d / errors %d %d %d", f.ok, f.errors(),
			s[stepPay].ok, s[stepCreate].errors(), s[stepPage].errors(), s[stepPay].errors())
	}
}

// The whole flow against the real handler: every flow ends in the 303 to
// success_url, and the page scenario reads real gzip pages.
func TestFlowAgainstCheckoutd(t *testing.T) {
	base := checkoutdServer(t, 0)
	fr, err := runFlow(context.Background(), base, benchAuth, 2, 0, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	checkFlowCounts(t, fr)
	if fr.flow.ok == 0 || fr.flow.errors() != 0 {
		t.Fatalf("flows: %d ok, %d errors (%v): want only ok", fr.flow.ok, fr.flow.errors(), fr.flow.samples)
	}

	// Pages of fresh sessions, as (e) loads them.
	ids := newIDPool(1, 10)
	cr, err := run(context.Background(), createScenario("create", base, benchAuth, false, ids), 1, 0, 100*time.Millisecond)
	if err != nil || cr.errors() != 0 || len(ids.all()) == 0 {
		t.Fatalf("create: %v %v", err, cr.samples)
	}
	ps, err := measurePageSize(context.Background(), base+"/checkout/"+ids.all()[0])
	if err != nil {
		t.Fatal(err)
	}
	if ps.gzipped <= 0 || ps.gzipped >= ps.plain || ps.inflated != ps.plain {
		t.Errorf("page sizes %+v: want gzipped < plain = inflated", ps)
	}
	pr, err := run(context.Background(), pageScenario(base, ids.all()), 2, 0, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if pr.ok == 0 || pr.errors() != 0 {
		t.Fatalf("page: %d ok, %d errors %v", pr.ok, pr.errors(), pr.samples)
	}
	// Pages differ by their random tokens and ids, so compressed sizes vary
	// from page to page (by up to ~90 bytes seen in CI); a tenth of the size
	// still tells compressed answers (~2.5 KB) from plain ones (~5.5 KB).
	tol := int64(ps.gzipped) / 10
	if avg := pr.bytes / int64(pr.ok); avg < int64(ps.gzipped)-tol || avg > int64(ps.gzipped)+tol {
		t.Errorf("page: %d bytes per answer, want about %d (compressed; plain is %d)", avg, ps.gzipped, ps.plain)
	}
}

// With the default per-IP pay limit, payments beyond it get 429: those flows
// are errors, never throughput.
func TestFlowCountsRefusedPayments(t *testing.T) {
	base := checkoutdServer(t, 3)
	fr, err := runFlow(context.Background(), base, benchAuth, 2, 0, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	checkFlowCounts(t, fr)
	if fr.flow.ok != 3 || fr.steps[stepPay].statuses[http.StatusTooManyRequests] == 0 || fr.flow.statuses[http.StatusTooManyRequests] == 0 {
		t.Errorf("flows ok %d, pay statuses %v: want 3 ok and the rest 429", fr.flow.ok, fr.steps[stepPay].statuses)
	}
	if want := float64(fr.flow.ok) / fr.flow.elapsed.Seconds(); fr.flow.rps() != want {
		t.Errorf("flows/s %f, want %f (ok flows only)", fr.flow.rps(), want)
	}
}

func TestCardForm(t *testing.T) {
	page := []byte(`<!doctype html><html><body>
<div class="alert" role="alert" id="alert">Card <b>declined</b>.<br> Try again.</div>
<form method="post" action="/checkout/cs_1/pay" class="pay"><input type="hidden" name="csrf_token" value="vouch&amp;er">
<input type="hidden" name="method" value="multibanco"><button>Pay by voucher</button></form>
<form method="post" action="/checkout/cs_1/pay" class="pay" novalidate>
<input type="hidden" name="csrf_token" value="a&lt;b">
<input type="hidden" name="method" value="card">
<input id="card_number" name="card_number" type="text" value="">
</form></body></html>`)
	u, _ := url.Parse("http://127.0.0.1:8080/checkout/cs_1")
	action, csrf, err := cardForm(page, u)
	if err != nil {
		t.Fatal(err)
	}
	if action != "http://127.0.0.1:8080/checkout/cs_1/pay" || csrf != "a<b" {
		t.Errorf("action %q, csrf %q", action, csrf)
	}
	if _, _, err := cardForm([]byte(`<form><input type="hidden" name="csrf_token" value="x"></form>`), u); err == nil {
		t.Error("a page without a card form: want an error")
	}
	if got, want := pageMessage(page), "Card declined . Try again."; got != want {
		t.Errorf("pageMessage %q, want %q", got, want)
	}
}
