package record

import (
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestSessionFormatVersion: a session is written with FormatVersion 1
// first; one without it (stored before it existed) reads as format 1; one
// of a format this code does not know is refused, saying which, rather
// than misread.
func TestSessionFormatVersion(t *testing.T) {
	old := []byte(golden["cs_golden"])
	data, err := EncodeSession(mustDecodeSession(t, old))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), `{"FormatVersion":1,"ID":"cs_golden",`) {
		t.Errorf("EncodeSession wrote %.60s…; want FormatVersion 1 first", data)
	}
	for _, v := range []string{"2", "-1", "17"} {
		future := strings.Replace(string(data), `"FormatVersion":1`, `"FormatVersion":`+v, 1)
		_, err := DecodeSession([]byte(future))
		if err == nil || !strings.Contains(err.Error(), "format "+v) || !strings.Contains(err.Error(), "cs_golden") {
			t.Errorf("DecodeSession of FormatVersion %s: %v; want an error naming the session and its format", v, err)
		}
	}
}

func mustDecodeSession(t *testing.T, data []byte) *checkout.Session {
	t.Helper()
	s, err := DecodeSession(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
