package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// goldenRefCounter pins the stored names of a reference counter: databases
// will hold them, and a changed name would restart every counter at 0.
const goldenRefCounter = `{"account_id":"acct_golden","livemode":true,"provider":"ifthenpay","key":"mb:12345:123","next":42,"version":7,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:10:26.535897Z"}`

func TestGoldenRefCounter(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	c := &checkout.RefCounter{AccountID: "acct_golden", Livemode: true, Provider: "ifthenpay", Key: "mb:12345:123",
		Next: 42, Version: 7, Created: t0, Updated: t0.Add(time.Minute)}
	data, err := EncodeObject(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != goldenRefCounter {
		t.Errorf("a reference counter's stored form changed:\n got %s\nwant %s", data, goldenRefCounter)
	}
	got, err := DecodeObject(checkout.RefCounterKind, []byte(goldenRefCounter))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("the golden counter reads back as %+v, want %+v", got, c)
	}
}
