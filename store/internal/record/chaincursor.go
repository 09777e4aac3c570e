package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedChainCursor is the stored form of a checkout.ChainCursor.
type storedChainCursor struct {
	Livemode   bool      `json:"livemode"`
	Chain      string    `json:"chain"`
	Owner      string    `json:"owner"`
	LeaseUntil time.Time `json:"lease_until"`
	Block      uint64    `json:"block"`
	BlockHash  string    `json:"block_hash"`
	Version    int64     `json:"version"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
}

func init() {
	RegisterKind(checkout.ChainCursorKind, Codec{Encode: encodeChainCursor, Decode: decodeChainCursor})
}

func encodeChainCursor(o checkout.Object) ([]byte, error) {
	c, ok := o.(*checkout.ChainCursor)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.ChainCursor", o)
	}
	return json.Marshal(&storedChainCursor{Livemode: c.Livemode, Chain: c.Chain, Owner: c.Owner, LeaseUntil: UTC(c.LeaseUntil),
		Block: c.Block, BlockHash: c.BlockHash, Version: c.Version, Created: UTC(c.Created), Updated: UTC(c.Updated)})
}

func decodeChainCursor(data []byte) (checkout.Object, error) {
	var r storedChainCursor
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode chain cursor: %w", err)
	}
	return &checkout.ChainCursor{Livemode: r.Livemode, Chain: r.Chain, Owner: r.Owner, LeaseUntil: UTC(r.LeaseUntil),
		Block: r.Block, BlockHash: r.BlockHash, Version: r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}, nil
}
