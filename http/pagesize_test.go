package http_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/service"
)

// TestPageSizeBiggestState holds the biggest page the form can be to the
// budget of maxPageBytes of HTML, CSS and JavaScript before compression: a
// branded account (logo, colours, a font, terms and privacy links), three
// line items with long names, descriptions and images, every method, a long
// description, every collection option (shipping to many countries, a
// billing address, a phone, three custom fields, terms consent, the longest
// custom texts) and every field in error, in each language (a translation
// is often longer than the English). The logo and the images are requests
// of their own, not counted; each is held to the configured image limit.
func TestPageSizeBiggestState(t *testing.T) {
	const imageLimit = 64 << 10
	e := newPageEnv(t)
	e.configure(func(c *service.Config) {
		c.Webhooks.AllowPrivate = true // the merchant's images are on 127.0.0.1
		c.Images.MaxBytes = imageLimit
	})
	img := pngBytes(t, 96)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(img)
	}))
	t.Cleanup(origin.Close)

	logo := e.upload(e.key, "business_logo", pngBytes(t, 128))
	if r := e.postJSON("/v1/account", e.key, map[string]any{
		"business_profile": map[string]any{"name": "Cadeiras & Secretárias Ergonómicas do Norte, Lda.",
			"terms_of_service_url": "https://shop.example/termos-e-condicoes-gerais-de-venda", "privacy_policy_url": "https://shop.example/politica-de-privacidade-e-cookies"},
		"branding": map[string]any{"logo": logo.str("id"), "brand_color": "#0a2540", "accent_color": "#0b57d0", "button_shape": "pill", "font_family": "rounded"},
	}); r.status != http.StatusOK {
		t.Fatalf("branding the account: %d %s", r.status, r.body)
	}

	items := []any{}
	for i, it := range []struct{ name, desc string }{
		{"Cadeira de escritório ergonómica com apoio lombar ajustável e braços 4D", "Cor: cinzento-antracite; tecido respirável; entrega em 3 a 5 dias úteis, montagem incluída"},
		{"Secretária elevatória elétrica com memória de quatro alturas, 160 × 80 cm", "Tampo em carvalho natural; pés em aço pintado a pó; garantia de cinco anos"},
		{"Candeeiro de mesa LED com carregador sem fios e temperatura de cor ajustável", "Braço articulado em alumínio; 12 W; cabo USB-C de 1,5 m incluído"},
	} {
		items = append(items, map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "eur", "unit_amount": 123456,
			"product_data": map[string]any{"name": it.name, "description": it.desc, "images": []string{origin.URL + "/item" + string(rune('0'+i)) + ".png"}}}})
	}
	long := func(n int) map[string]any {
		return map[string]any{"message": string([]rune(strings.Repeat("Entregas de segunda a sexta; a montagem é marcada por telefone. ", 20))[:n])}
	}
	label := func(s string) map[string]any { return map[string]any{"type": "custom", "custom": s} }
	options := func(textLen int) []any {
		return []any{
			"shipping_address_collection", map[string]any{"allowed_countries": []string{"PT", "ES", "FR", "DE", "IT", "NL", "BE", "LU", "IE", "GB", "US", "CA", "BR", "AO", "MZ", "CV", "GH", "NG"}},
			"billing_address_collection", "required",
			"phone_number_collection", map[string]any{"enabled": true},
			"custom_fields", []any{
				map[string]any{"key": "nif", "label": label("Número de identificação fiscal (NIF) para a fatura"), "type": "numeric"},
				map[string]any{"key": "andar", "label": label("Andar, porta e indicações para o estafeta"), "type": "text", "optional": true},
				map[string]any{"key": "montagem", "label": label("Quer que a equipa monte os móveis?"), "type": "dropdown",
					"dropdown": map[string]any{"options": []any{
						map[string]any{"label": "Sim, no dia da entrega", "value": "entrega"},
						map[string]any{"label": "Sim, noutro dia a combinar", "value": "depois"},
						map[string]any{"label": "Não, monto eu", "value": "nao"}}}},
			},
			"consent_collection", map[string]any{"terms_of_service": "required"},
			"custom_text", map[string]any{"submit": long(textLen), "after_submit": long(textLen), "shipping_address": long(textLen), "terms_of_service_acceptance": long(textLen)},
			"submit_type", "book",
		}
	}
	// biggest is the form with every field in error, and the form as it
	// opens, of a session with custom texts of textLen characters each.
	biggest := func(t *testing.T, lang string, textLen int) (form, big *htmlPage) {
		t.Helper()
		id := e.newSession(t, append([]any{"amount", nil, "currency", "EUR", "locale", lang, "line_items", items,
			"payment_method_types", []string{"card", "multibanco"},
			"description", strings.Repeat("Encomenda 2026-000123 da loja online. ", 13)}, options(textLen)...)...)
		e.svc.WaitImages()
		form = e.openOK(t, "/checkout/"+id)
		// Every field in error: the summary and each field's message.
		big = form.submit("card", []string{"email", "not-an-email", "card_number", "1", "card_expiry", "1", "card_cvc", ""})
		if big.status == http.StatusSeeOther {
			big = big.follow()
		}
		if big.byID("errors") == nil {
			t.Fatalf("no error summary: %d\n%s", big.status, big.text())
		}
		return form, big
	}
	for _, lang := range []string{"en", "pt", "fr"} {
		t.Run(lang, func(t *testing.T) {
			// The custom texts at the API's most, 1200 characters each,
			// four of them: the page with every field in error stays
			// within the budget (29.8 to 30.2 KB when this was written),
			// since each state carries only its own CSS and a field's
			// error icon is drawn by CSS.
			form, big := biggest(t, lang, 1200)
			for _, p := range []*htmlPage{form, big} {
				if len(p.body) > maxPageBytes {
					t.Errorf("%s: the page is %d bytes, more than %d", p.url, len(p.body), maxPageBytes)
				}
			}
			// The logo and the three items' images, each from this
			// server and within the limit.
			imgs := all(big.doc, "img")
			if len(imgs) != 4 {
				t.Errorf("the page shows %d images, want the logo and 3 items'", len(imgs))
			}
			for _, n := range imgs {
				r := e.get(attr(n, "src"), "")
				if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "image/") || len(r.body) > imageLimit {
					t.Errorf("%s: %d, %s, %d bytes (limit %d)", attr(n, "src"), r.status, r.header.Get("Content-Type"), len(r.body), imageLimit)
				}
			}
			t.Logf("%s: the form is %d bytes; with every field in error %d (budget %d)", lang, len(form.body), len(big.body), maxPageBytes)
		})
	}
}
