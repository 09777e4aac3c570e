package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestPageSizeBiggestState holds the biggest page the form can be to the
// budget of maxPageBytes of HTML, CSS and JavaScript before compression:
// three line items with long names and descriptions, every method, the
// longest description, and every field in error, in each language (a
// translation is often longer than the English).
func TestPageSizeBiggestState(t *testing.T) {
	e := newPageEnv(t)
	items := []any{}
	for _, it := range []struct{ name, desc string }{
		{"Cadeira de escritório ergonómica com apoio lombar ajustável e braços 4D", "Cor: cinzento-antracite; tecido respirável; entrega em 3 a 5 dias úteis, montagem incluída"},
		{"Secretária elevatória elétrica com memória de quatro alturas, 160 × 80 cm", "Tampo em carvalho natural; pés em aço pintado a pó; garantia de cinco anos"},
		{"Candeeiro de mesa LED com carregador sem fios e temperatura de cor ajustável", "Braço articulado em alumínio; 12 W; cabo USB-C de 1,5 m incluído"},
	} {
		items = append(items, map[string]any{"quantity": 2, "price_data": map[string]any{"currency": "eur", "unit_amount": 123456,
			"product_data": map[string]any{"name": it.name, "description": it.desc}}})
	}
	for _, lang := range []string{"en", "pt", "fr"} {
		t.Run(lang, func(t *testing.T) {
			id := e.newSession(t, "amount", nil, "currency", "EUR", "locale", lang, "line_items", items,
				"payment_method_types", []string{"card", "multibanco"},
				"description", strings.Repeat("Encomenda 2026-000123 da loja online. ", 13))
			form := e.openOK(t, "/checkout/"+id)
			// Every field in error: the summary and each field's message.
			big := form.submit("card", []string{"email", "not-an-email", "card_number", "1", "card_expiry", "1", "card_cvc", ""})
			if big.status == http.StatusSeeOther {
				big = big.follow()
			}
			if big.byID("errors") == nil {
				t.Fatalf("no error summary: %d\n%s", big.status, big.text())
			}
			for _, p := range []*htmlPage{form, big} {
				if len(p.body) > maxPageBytes {
					t.Errorf("%s: the page is %d bytes, more than %d", p.url, len(p.body), maxPageBytes)
				}
			}
			t.Logf("%s: the form is %d bytes; with every field in error %d (budget %d)", lang, len(form.body), len(big.body), maxPageBytes)
		})
	}
}
