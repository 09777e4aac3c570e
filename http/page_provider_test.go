package http_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/service"
)

// tokenProvider is a provider whose script tokenises the card in the
// browser, as Stripe.js does: the page loads its script, admits its
// sources in the CSP, and posts a token, never a card number.
type tokenProvider struct {
	mu   sync.Mutex
	reqs []checkout.StartRequest
}

func (*tokenProvider) Name() string               { return "tok" }
func (*tokenProvider) Methods() []checkout.Method { return []checkout.Method{checkout.MethodCard} }
func (*tokenProvider) Page(checkout.Method) checkout.PageSpec {
	return checkout.PageSpec{Fields: []checkout.PageField{checkout.FieldToken}, Scripts: []string{"https://js.tok.example/v3/"},
		ScriptSrc: []string{"https://js.tok.example"}, FrameSrc: []string{"https://js.tok.example", "https://hooks.tok.example"},
		ConnectSrc: []string{"https://api.tok.example"}}
}

func (p *tokenProvider) Start(_ context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs = append(p.reqs, req)
	return checkout.ProviderResult{Status: checkout.PaymentSucceeded, ProviderRef: "tok_pi_1"}, nil
}

func (*tokenProvider) Confirm(context.Context, *checkout.Payment, checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	return checkout.ProviderResult{}, nil
}

func (*tokenProvider) Refund(context.Context, *checkout.Payment, int64, string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, nil
}

// TestPageAsksTheProvider: the form shows the inputs the card provider
// describes, loads its script with the page's nonce, admits its sources in
// the CSP, and passes the token it posts (and no card field) to Start.
// Multibanco, still the simulator's, keeps its button.
func TestPageAsksTheProvider(t *testing.T) {
	e := newEnv(t)
	tok := &tokenProvider{}
	reg := service.NewRegistry()
	reg.Register("sim", sim.Factory(sim.New(e.clock)))
	reg.Register("tok", func(*checkout.Account, bool) (checkout.Provider, error) { return tok, nil })
	reg.Route(false, "sim", checkout.MethodMultibanco)
	reg.Route(false, "tok", checkout.MethodCard)
	e.configure(func(c *service.Config) { c.Providers = reg })
	id := e.newSession(t, "amount", 9999, "currency", "EUR", "payment_method_types", []string{"card", "multibanco"})

	res, err := http.Get(e.srv.URL + "/checkout/" + id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	csp := res.Header.Get("Content-Security-Policy")
	nonce := csp[strings.Index(csp, "'nonce-")+7:]
	nonce = nonce[:strings.Index(nonce, "'")]
	for _, want := range []string{
		`<script src="https://js.tok.example/v3/" nonce="` + nonce + `"></script>`,
		`<input type="hidden" name="payment_token" value="">`,
		`<input type="hidden" name="method" value="multibanco">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, `name="card_number"`) {
		t.Error("the page asks for a card number that the provider tokenises")
	}
	for _, want := range []string{
		"script-src 'nonce-" + nonce + "' https://js.tok.example;",
		"; frame-src https://js.tok.example https://hooks.tok.example;",
		"; connect-src https://api.tok.example;",
		"default-src 'none';",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}

	sess, err := e.store.FindSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"csrf_token": {sess.CSRFToken}, "method": {"card"}, "email": {"ama@example.com"},
		"payment_token": {"tok_visa_1"}, "card_number": {"4242424242424242"}, "card_expiry": {futureExpiry()}, "card_cvc": {"123"}}
	res, err = noRedirects.PostForm(e.srv.URL+"/checkout/"+id+"/pay", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://shop.example/success") {
		t.Fatalf("pay: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	tok.mu.Lock()
	defer tok.mu.Unlock()
	if len(tok.reqs) != 1 || tok.reqs[0].Token != "tok_visa_1" || tok.reqs[0].Card != nil || tok.reqs[0].Payment.Provider != "tok" {
		t.Fatalf("the provider was started with %+v", tok.reqs)
	}
}
