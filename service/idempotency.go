package service

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
)

// Idempotency keys: a room (the JSON API, a dialect) decides what a request
// is and what its response was; the service keeps the record, dated by its
// clock and sealed at rest, so no room reaches the store.

// ClaimIdempotencyKey stores rec as in flight, dated now, unless its key is
// already live; then it returns the live record instead (nil when rec was
// stored), with its saved response opened (see FinishIdempotencyKey). rec is
// then the handle FinishIdempotencyKey or ReleaseIdempotencyKey takes.
func (s *Service) ClaimIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) (*checkout.IdempotencyRecord, error) {
	rec.Created = s.now()
	prev, err := s.store.ClaimIdempotencyKey(ctx, rec)
	if err != nil || prev == nil {
		return nil, err
	}
	if prev.Done && s.sealer != nil {
		// A body kept before the server had a key is plain text: it is
		// replayed as it is.
		if plain, err := s.sealer.Open(prev.Body); err == nil {
			prev.Body = []byte(plain)
		}
	}
	return prev, nil
}

// FinishIdempotencyKey saves the response of the request that claimed rec
// (rec.Status, rec.ContentType, rec.Body), to be replayed for the key's
// lifetime. Kept responses can carry secrets (a webhook endpoint's signing
// secret), so the body is encrypted at rest as the secrets are; rec itself
// is left as it is.
func (s *Service) FinishIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) error {
	done := *rec
	done.Done = true
	if s.sealer != nil {
		done.Body = s.sealer.Seal(string(rec.Body))
	}
	return s.store.FinishIdempotencyKey(ctx, &done)
}

// ReleaseIdempotencyKey frees the key rec claimed, for a request that did not
// execute (or died), so that a retry with the same key runs.
func (s *Service) ReleaseIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) error {
	return s.store.ReleaseIdempotencyKey(ctx, rec)
}
