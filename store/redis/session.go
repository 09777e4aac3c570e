package redis

import (
	"context"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// CreateSession stores sess as version 1 (and sets sess.Version to 1, so
// the caller's copy matches what is stored), with its index entries, in one
// script.
func (s *Store) CreateSession(ctx context.Context, sess *checkout.Session) error {
	sess.Version = 1
	data, err := record.EncodeSession(sess)
	if err != nil {
		return err
	}
	err = s.run(ctx, createSessionScript,
		sess.ID, sess.AccountID, mode(sess.Livemode), data, s.ttl(sess.ExpiresAt),
		string(sess.Status), sess.Customer, sess.CustomerEmail, sess.Payment, micros(sess.ExpiresAt), sess.PaymentLink).Err()
	return translate("create session", err)
}

// GetSession returns the session with id in scope: one GET, and a decode
// that the cache usually saves.
func (s *Store) GetSession(ctx context.Context, scope checkout.Scope, id string) (*checkout.Session, error) {
	sess, err := s.FindSession(ctx, id)
	if err != nil {
		return nil, err
	}
	if sess.Scope() != scope {
		return nil, checkout.ErrNotFound
	}
	return sess, nil
}

// FindSession returns the session with id, whatever its scope.
func (s *Store) FindSession(ctx context.Context, id string) (*checkout.Session, error) {
	data, err := s.get(ctx, s.k.session(id)).Bytes()
	if err != nil {
		return nil, translate("get session", err)
	}
	return s.sessions.Session(data)
}

// ListSessions reads the most selective index the filter allows and checks
// every condition on the sessions themselves (see list.go).
func (s *Store) ListSessions(ctx context.Context, scope checkout.Scope, f checkout.SessionFilter) (checkout.Page[*checkout.Session], error) {
	all := s.k.scoped("sessions", scope)
	var sources []string
	switch {
	case f.Payment != "":
		sources = []string{all + ":payment:" + f.Payment}
	case f.PaymentLink != "":
		sources = []string{all + ":link:" + f.PaymentLink}
	case f.Customer != "":
		sources = []string{all + ":customer:" + f.Customer}
	case f.CustomerEmail != "":
		sources = []string{all + ":email:" + f.CustomerEmail}
	case f.Status == checkout.SessionExpired:
		// Expired as readers see it: stored as expired, or stored as open
		// with expires_at come (see checkout.Session.StatusAt).
		sources = []string{all + ":status:expired", all + ":status:open"}
	case f.Status != "":
		sources = []string{all + ":status:" + string(f.Status)}
	default:
		sources = []string{all}
	}
	match := func(sess *checkout.Session) bool {
		return (f.Status == "" || sess.StatusAt(f.Now) == f.Status) &&
			(f.Customer == "" || sess.Customer == f.Customer) &&
			(f.CustomerEmail == "" || sess.CustomerEmail == f.CustomerEmail) &&
			(f.Payment == "" || sess.Payment == f.Payment) &&
			(f.PaymentLink == "" || sess.PaymentLink == f.PaymentLink) &&
			(f.CreatedGTE.IsZero() || !sess.Created.Before(f.CreatedGTE)) &&
			(f.CreatedLTE.IsZero() || !sess.Created.After(f.CreatedLTE))
	}
	return list(ctx, s, listing{kind: "session", what: "checkout.session", scope: all, sources: sources}, f.ListParams,
		func(it item) (*checkout.Session, bool, error) {
			sess, err := s.sessions.Session(it.data)
			if err != nil {
				return nil, false, err
			}
			return sess, match(sess), nil
		})
}

// DueSessions reads the queue of sessions stored as open, by expires_at.
func (s *Store) DueSessions(ctx context.Context, now time.Time, limit int) ([]*checkout.Session, error) {
	return due(ctx, s, "session", s.k.dueSessions(), now, limit, record.DecodeSession)
}

// due reads up to limit objects of a due queue whose time is <= now.
func due[T any](ctx context.Context, s *Store, kind, queue string, now time.Time, limit int, decode func([]byte) (T, error)) ([]T, error) {
	if limit <= 0 {
		return nil, nil
	}
	res, err := s.run(ctx, dueScript, kind, queue, micros(now), limit).StringSlice()
	if err != nil {
		return nil, translate("due "+kind+"s", err)
	}
	out := make([]T, 0, len(res))
	for _, data := range res {
		v, err := decode([]byte(data))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
