package http

import (
	"slices"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// Every country a billing address offers has a name in every language.
func TestCountryNamesComplete(t *testing.T) {
	for _, lang := range pageLanguages {
		for _, c := range pageCountries {
			if countryNames[lang][c] == "" {
				t.Errorf("%s has no name for %s", lang, c)
			}
		}
	}
}

// Countries are listed by their names in the reader's language, accents
// aside, and codes without a name last.
func TestSortedCountries(t *testing.T) {
	for _, tc := range []struct {
		lang string
		in   []string
		want []string
	}{
		{"en", []string{"US", "PT", "GH", "AT"}, []string{"AT", "GH", "PT", "US"}},
		{"pt", []string{"ZA", "AT", "DE", "XK"}, []string{"ZA", "DE", "AT", "XK"}}, // África, Alemanha, Áustria
		{"fr", []string{"US", "ES", "DE"}, []string{"DE", "ES", "US"}},             // Allemagne, Espagne, États-Unis
	} {
		if got := sortedCountries(tc.in, tc.lang); !slices.Equal(got, tc.want) {
			t.Errorf("%s %v: %v, want %v", tc.lang, tc.in, got, tc.want)
		}
	}
}

// A billing address starts at a country the customer likely has, and one
// the page can name.
func TestBillingCountry(t *testing.T) {
	for _, tc := range []struct {
		sess *checkout.Session
		lang string
		want string
	}{
		{&checkout.Session{Currency: "USD", ShippingCountries: []string{"GB", "US"}}, "en", "GB"},
		{&checkout.Session{Currency: "USD"}, "fr", "US"},
		{&checkout.Session{Currency: "GHS"}, "en", "GH"},
		{&checkout.Session{Currency: "EUR"}, "fr", "FR"},
		{&checkout.Session{Currency: "EUR"}, "en", "PT"},
	} {
		got := billingCountry(tc.sess, tc.lang)
		if got != tc.want || countryNames["en"][got] == "" {
			t.Errorf("%s %v in %s: %s, want %s", tc.sess.Currency, tc.sess.ShippingCountries, tc.lang, got, tc.want)
		}
	}
	for cur, c := range currencyCountries {
		if !slices.Contains(pageCountries, c) {
			t.Errorf("%s's country %s is not offered", cur, c)
		}
	}
}
