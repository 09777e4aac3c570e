package redis

import (
	"fmt"
	"strconv"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Objects are stored as their JSON in the format of package record, which
// every store shares. The scripts read a few fields of it (Version,
// AccountID, Livemode, Status, …) with cjson; they never write JSON.

// micros is how scripts and scores take a time: unix microseconds, "0" for
// the zero time. A double holds them exactly, so they sort right as scores.
func micros(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMicro(), 10)
}

// fromMicros is the inverse of micros.
func fromMicros(s string) (time.Time, error) {
	us, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("redis: bad time %q: %w", s, err)
	}
	if us == 0 {
		return time.Time{}, nil
	}
	return time.UnixMicro(us).UTC(), nil
}

// paymentKeep is the latest time p may still need the sweeper: its
// action's deadline or the reconciler's next check, whichever is later
// (zero if neither). The payment's key lives Retention past it. Its due
// score (p.Due()) is the earlier of the two, so a voucher checked every few
// minutes must not expire with its check: a sweeper that does not run for
// longer than Retention would otherwise lose a voucher still payable. A
// final payment's CheckAt (a pending refund to ask about) keeps it alive
// the same way.
func paymentKeep(p *checkout.Payment) time.Time {
	keep := p.CheckAt
	if p.Action != nil && p.Action.ExpiresAt.After(keep) {
		keep = p.Action.ExpiresAt
	}
	return keep
}

// decodeDelivery decodes a delivery's JSON together with its version and
// lease, which claims change without rewriting the JSON.
func decodeDelivery(data []byte, version, lease string) (*checkout.Delivery, error) {
	d, err := record.DecodeDelivery(data)
	if err != nil {
		return nil, err
	}
	v, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("redis: bad delivery version %q: %w", version, err)
	}
	if d.LeaseUntil, err = fromMicros(lease); err != nil {
		return nil, err
	}
	d.Version = v
	return d, nil
}
