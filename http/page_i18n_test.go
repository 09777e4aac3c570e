package http

import (
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		amount int64
		cur    checkout.Currency
		lang   string
		want   string
	}{
		{5000, "GHS", "en", "GH₵50.00"},
		{9999, "EUR", "pt", "99,99\u00a0€"},
		{9999, "EUR", "fr", "99,99\u00a0€"},
		{5000, "JPY", "en", "¥5,000"},
		{123450, "EUR", "fr", "1\u00a0234,50\u00a0€"},
		{1500, "BHD", "en", "BHD\u00a01.500"},
		{100000000, "USD", "en", "$1,000,000.00"},
		{5, "EUR", "en", "€0.05"},
	} {
		if got := formatMoney(tc.amount, tc.cur, tc.lang); got != tc.want {
			t.Errorf("formatMoney(%d, %s, %s) = %q, want %q", tc.amount, tc.cur, tc.lang, got, tc.want)
		}
	}
}

func TestPageLanguage(t *testing.T) {
	for _, tc := range []struct{ locale, accept, want string }{
		{"pt", "fr", "pt"},
		{"pt-BR", "", "pt"},
		{"fr-CA", "en", "fr"},
		{"de", "fr", "en"},
		{"auto", "fr-FR,fr;q=0.9,en;q=0.8", "fr"},
		{"", "de-DE,pt;q=0.7,en;q=0.5", "pt"},
		{"", "de", "en"},
		{"", "", "en"},
		{"auto", "en;q=0.2, pt;q=0.9", "pt"},
	} {
		if got := pageLanguage(tc.locale, tc.accept); got != tc.want {
			t.Errorf("pageLanguage(%q, %q) = %s, want %s", tc.locale, tc.accept, got, tc.want)
		}
	}
}

// TestMessagesComplete: every key of every language is in every other. A key
// only a translation has would show as an empty string in English, the
// language tr falls back to. The decline_ keys are the exception: English
// shows the provider's own message (see declineReason).
func TestMessagesComplete(t *testing.T) {
	for _, l := range pageLanguages {
		for _, other := range pageLanguages {
			for k := range messages[other] {
				if _, ok := messages[l][k]; !ok && (l != "en" || !strings.HasPrefix(k, "decline_")) {
					t.Errorf("%s lacks %q, which %s has", l, k, other)
				}
			}
		}
	}
}

func TestTimeLeft(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "< 1 min", 4*time.Minute + 59*time.Second: "4 min",
		23*time.Hour + 59*time.Minute: "23 h 59 min", 72 * time.Hour: "3 d",
	} {
		if got := timeLeft(d); got != want {
			t.Errorf("timeLeft(%v) = %q, want %q", d, got, want)
		}
	}
}
