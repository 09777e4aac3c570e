package http

import (
	"slices"
	"testing"
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
