package service_test

import (
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// A session is found by its public token, which is not its id and cannot
// be made from it, and by nothing else; a session stored with a token of
// another shape is found by no token at all.
func TestOpenSessionByToken(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	if s.PublicToken == "" || s.PublicToken == s.ID || !strings.HasPrefix(s.PublicToken, "pt_") {
		t.Fatalf("public token %q of session %s", s.PublicToken, s.ID)
	}
	got, acct, err := f.svc.OpenSessionByToken(f.ctx, s.PublicToken)
	if err != nil || got.ID != s.ID || acct.ID != s.AccountID {
		t.Fatalf("OpenSessionByToken(%s): %v, %v", s.PublicToken, got, err)
	}
	other := f.session(t)
	idPart := "pt_" + strings.TrimPrefix(s.ID, "cs_")
	drawn := strings.TrimPrefix(s.PublicToken, idPart+"_")
	if len(drawn) != 22 || drawn == s.PublicToken {
		t.Fatalf("public token %q of session %s: want pt_, the id's random part, _ and 22 drawn characters", s.PublicToken, s.ID)
	}
	if again := f.session(t); strings.HasSuffix(again.PublicToken, drawn) {
		t.Fatalf("two sessions share a token's drawn part %q", drawn)
	}
	for _, tok := range []string{"", "pt_", s.ID, other.ID, "pt_nope", strings.ToUpper(s.PublicToken), s.PublicToken + "x",
		idPart, idPart + "_" + strings.Repeat("a", 22), flipLast(s.PublicToken),
		"pt_" + strings.TrimPrefix(other.ID, "cs_") + "_" + drawn,
		"cs_" + strings.TrimPrefix(s.PublicToken, "pt_"), "pt_\x00", "pt_\xff"} {
		if _, _, err := f.svc.OpenSessionByToken(f.ctx, tok); !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("OpenSessionByToken(%q): %v, want not found", tok, err)
		}
	}

	old := s.Clone()
	old.ID, old.PublicToken = "cs_old1", "pt_random1"
	for i := range old.LineItems {
		old.LineItems[i].ID = "li_old" + string(rune('a'+i))
	}
	if err := f.store.CreateSession(f.ctx, old); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"pt_old1", "pt_random1"} {
		if _, _, err := f.svc.OpenSessionByToken(f.ctx, tok); !checkout.IsKind(err, checkout.KindNotFound) {
			t.Errorf("OpenSessionByToken(%q) of a session holding pt_random1: %v, want not found", tok, err)
		}
	}
}

// flipLast is tok with its last character changed to another.
func flipLast(tok string) string {
	last := "a"
	if strings.HasSuffix(tok, "a") {
		last = "b"
	}
	return tok[:len(tok)-1] + last
}

// A session's page URL is its /p/ URL, except for a session stored with a
// token of an older shape, which no /p/ URL finds: its page by id.
func TestPageURL(t *testing.T) {
	f := newFixture(t)
	s := f.session(t)
	if got, want := service.PageURL("https://pay.example", s), "https://pay.example/p/"+s.PublicToken; got != want {
		t.Errorf("PageURL = %q, want %q", got, want)
	}
	for _, tok := range []string{"pt_random1", "pt_" + strings.TrimPrefix(s.ID, "cs_"), "", "pt_cs_other_" + strings.Repeat("a", 22)} {
		old := s.Clone()
		old.PublicToken = tok
		if got, want := service.PageURL("https://pay.example", old), "https://pay.example/checkout/"+s.ID; got != want {
			t.Errorf("PageURL with token %q = %q, want %q", tok, got, want)
		}
	}
}
