package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// goldenChainCursor pins the stored names of a chain watcher's cursor:
// a changed name would restart a watcher from the chain's head and miss
// the transfers in between.
const goldenChainCursor = `{"livemode":true,"chain":"base","owner":"watch_golden","lease_until":"2026-03-14T15:09:56.535897Z","block":123456,"block_hash":"0x9f3c","version":7,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:10:26.535897Z"}`

func TestGoldenChainCursor(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	c := &checkout.ChainCursor{Livemode: true, Chain: "base", Owner: "watch_golden", LeaseUntil: t0.Add(30 * time.Second),
		Block: 123456, BlockHash: "0x9f3c", Version: 7, Created: t0, Updated: t0.Add(time.Minute)}
	data, err := EncodeObject(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != goldenChainCursor {
		t.Errorf("a chain cursor's stored form changed:\n got %s\nwant %s", data, goldenChainCursor)
	}
	got, err := DecodeObject(checkout.ChainCursorKind, []byte(goldenChainCursor))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("the golden cursor reads back as %+v, want %+v", got, c)
	}
}
