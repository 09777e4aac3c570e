package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedDevice is the stored form of a checkout.Device. Its secrets are
// hashes only.
type storedDevice struct {
	ID             string    `json:"id"`
	AccountID      string    `json:"account_id"`
	Livemode       bool      `json:"livemode"`
	Name           string    `json:"name"`
	Status         string    `json:"status"`
	PairingHash    string    `json:"pairing_hash,omitempty"`
	PairingExpires time.Time `json:"pairing_expires,omitzero"`
	TokenHash      string    `json:"token_hash,omitempty"`
	PairedAt       time.Time `json:"paired_at,omitzero"`
	RevokedAt      time.Time `json:"revoked_at,omitzero"`
	ReaderID       string    `json:"reader_id,omitempty"`
	Version        int64     `json:"version"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
}

func init() {
	RegisterKind(checkout.DeviceKind, Codec{Encode: encodeDevice, Decode: decodeDevice})
}

func encodeDevice(o checkout.Object) ([]byte, error) {
	d, ok := o.(*checkout.Device)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.Device", o)
	}
	return json.Marshal(&storedDevice{ID: d.ID, AccountID: d.AccountID, Livemode: d.Livemode, Name: d.Name,
		Status: string(d.Status), PairingHash: d.PairingHash, PairingExpires: UTC(d.PairingExpires),
		TokenHash: d.TokenHash, PairedAt: UTC(d.PairedAt), RevokedAt: UTC(d.RevokedAt),
		ReaderID: d.ReaderID, Version: d.Version, Created: UTC(d.Created), Updated: UTC(d.Updated)})
}

func decodeDevice(data []byte) (checkout.Object, error) {
	var r storedDevice
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode device: %w", err)
	}
	return &checkout.Device{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode, Name: r.Name,
		Status: checkout.DeviceStatus(r.Status), PairingHash: r.PairingHash, PairingExpires: UTC(r.PairingExpires),
		TokenHash: r.TokenHash, PairedAt: UTC(r.PairedAt), RevokedAt: UTC(r.RevokedAt),
		ReaderID: r.ReaderID, Version: r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}, nil
}
