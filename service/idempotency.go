package service

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
)

// ClaimIdempotencyKey claims rec's key for a request about to run (see
// checkout.Store's ClaimIdempotencyKey): nil if it is the first, else the
// record that holds the key, its saved answer opened.
func (s *Service) ClaimIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) (*checkout.IdempotencyRecord, error) {
	prev, err := s.store.ClaimIdempotencyKey(ctx, rec)
	if err != nil || prev == nil || !prev.Done || s.sealer == nil {
		return prev, err
	}
	if plain, err := s.sealer.Open(prev.Body); err == nil {
		prev.Body = []byte(plain)
	}
	return prev, nil
}

// FinishIdempotencyKey saves the answer of the request that claimed rec.
// Saved answers can carry secrets (a webhook endpoint's signing secret), so
// they are sealed at rest like the secrets are.
func (s *Service) FinishIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) error {
	saved := *rec
	saved.Done = true
	if s.sealer != nil {
		saved.Body = s.sealer.Seal(string(rec.Body))
	}
	return s.store.FinishIdempotencyKey(ctx, &saved)
}

// ReleaseIdempotencyKey frees a key whose request did not run to an answer
// worth keeping, so that a retry runs.
func (s *Service) ReleaseIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) error {
	return s.store.ReleaseIdempotencyKey(ctx, rec)
}

// Ready reports whether the service can serve requests: its store answers.
func (s *Service) Ready(ctx context.Context) error { return s.store.Ping(ctx) }
