package postgres

import (
	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// The data column of every table is the object's stored JSON, in the format
// of package record, which every store shares.

// decodeDelivery decodes a delivery's data and sets the fields a claim
// writes to their columns, version and lease_until, which are newer than
// data once the delivery has been claimed (see ClaimDeliveries).
func decodeDelivery(data []byte, version, leaseUntil int64) (*checkout.Delivery, error) {
	d, err := record.DecodeDelivery(data)
	if err != nil {
		return nil, err
	}
	d.Version, d.LeaseUntil = version, record.FromMicros(leaseUntil)
	return d, nil
}
