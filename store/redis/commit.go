package redis

import (
	"context"
	"strconv"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Commit writes c with one script (lua/commit.lua): it checks the
// session's, the payment's and the endpoint's versions and that the events are new, and
// writes nothing unless all of that holds. Everything is encoded before the
// round trip.
func (s *Store) Commit(ctx context.Context, c checkout.Change) error {
	if c.Session == nil && c.Payment == nil && c.Endpoint == nil && len(c.Objects) == 0 && len(c.Events) == 0 {
		return nil
	}
	args := make([]any, 0, 32+6*len(c.Events))
	args = append(args, s.retentionMillis())
	if sess := c.Session; sess != nil {
		data, err := record.EncodeSession(sess)
		if err != nil {
			return err
		}
		args = append(args, "1", sess.ID, sess.AccountID, mode(sess.Livemode), sess.Version, data, s.ttl(sess.ExpiresAt),
			string(sess.Status), sess.Customer, sess.CustomerEmail, sess.Payment, micros(sess.ExpiresAt))
	} else {
		args = append(args, "0")
	}
	if p := c.Payment; p != nil {
		data, err := record.EncodePayment(p)
		if err != nil {
			return err
		}
		args = append(args, "1", p.ID, p.AccountID, mode(p.Livemode), p.Version, data, s.ttl(paymentKeep(p)),
			p.SessionID, string(p.Status), micros(p.Due()), p.Provider, p.ProviderRef)
	} else {
		args = append(args, "0")
	}
	if e := c.Endpoint; e != nil {
		data, err := record.EncodeEndpoint(e)
		if err != nil {
			return err
		}
		args = append(args, "1", e.ID, e.AccountID, mode(e.Livemode), e.Version, data)
	} else {
		args = append(args, "0")
	}
	args = append(args, len(c.Objects))
	for _, o := range c.Objects {
		data, err := record.EncodeObject(o)
		if err != nil {
			return err
		}
		sc, keys := o.Scope(), record.LookupKeys(o)
		args = append(args, o.ObjectKind(), o.ObjectID(), sc.AccountID, mode(sc.Livemode), o.ObjectVersion(), data, len(keys))
		for _, k := range keys {
			args = append(args, k)
		}
	}
	args = append(args, len(c.Events))
	for _, e := range c.Events {
		data, err := record.EncodeEvent(e)
		if err != nil {
			return err
		}
		args = append(args, e.ID, e.AccountID, mode(e.Livemode), e.Type, e.ObjectID, data)
	}
	return translate("commit", s.run(ctx, commitScript, args...).Err())
}

// retentionMillis is the retention as the scripts take it.
func (s *Store) retentionMillis() string {
	return strconv.FormatInt(s.retention.Milliseconds(), 10)
}
