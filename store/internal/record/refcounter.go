package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedRefCounter is the stored form of a checkout.RefCounter.
type storedRefCounter struct {
	AccountID string    `json:"account_id"`
	Livemode  bool      `json:"livemode"`
	Provider  string    `json:"provider"`
	Key       string    `json:"key"`
	Next      int       `json:"next"`
	Version   int64     `json:"version"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

func init() {
	RegisterKind(checkout.RefCounterKind, Codec{Encode: encodeRefCounter, Decode: decodeRefCounter})
}

func encodeRefCounter(o checkout.Object) ([]byte, error) {
	c, ok := o.(*checkout.RefCounter)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.RefCounter", o)
	}
	return json.Marshal(&storedRefCounter{AccountID: c.AccountID, Livemode: c.Livemode, Provider: c.Provider, Key: c.Key,
		Next: c.Next, Version: c.Version, Created: UTC(c.Created), Updated: UTC(c.Updated)})
}

func decodeRefCounter(data []byte) (checkout.Object, error) {
	var r storedRefCounter
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode reference counter: %w", err)
	}
	return &checkout.RefCounter{AccountID: r.AccountID, Livemode: r.Livemode, Provider: r.Provider, Key: r.Key,
		Next: r.Next, Version: r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}, nil
}
