package service

import (
	"context"
	"crypto/subtle"
	"slices"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// SessionParams is a request to create a session, already decoded from
// whichever API dialect it came in. Optional numbers are pointers so that an
// explicit zero is told apart from absence. Param names in errors are those
// of the canonical API (seed 001); dialects rename them if theirs differ.
type SessionParams struct {
	Amount             *int64
	Currency           string
	SuccessURL         string
	CancelURL          string
	Customer           string
	CustomerEmail      string
	CustomerPhone      string
	PaymentMethodTypes []string
	Metadata           map[string]string
	ExpiresAt          *time.Time
	// ExpiresIn is the session's lifetime from now, for callers that give
	// a duration (seed 000's expiresIn); at most one of it and ExpiresAt.
	ExpiresIn *time.Duration
	// LinkID gives the session an id that reads as seed 000's single-use
	// payment link, cs_link_…: the link is the session.
	LinkID bool
	// Seed 000's order details, kept as given (see checkout.Session).
	CustomerFirstName, CustomerLastName string
	Fulfillment                         string
	LineItems                           []LineItemParams
	ClientReferenceID                   string
	Locale                              string
	Description                         string
	Mode                                string
	// Provider names the provider to pay through (sim, stripe, easypay,
	// ifthenpay); "" takes the account's default for each method.
	Provider string
	// Collect is what the page asks for beyond the payment (collect.go).
	Collect CollectParams
	// Discounts are the coupons to apply (at most one), by coupon id or
	// promotion code id; AllowPromotionCodes lets the customer enter a
	// code on the page instead.
	Discounts           []DiscountParams
	AllowPromotionCodes bool
	// SupportedTokens are the stablecoins a session with the stablecoin
	// method accepts; nil takes the account's.
	SupportedTokens []checkout.TokenChain
	// ReturnURL is seed 003's return_url, kept as given (optional).
	ReturnURL string
	// CheckoutSessionsID gives the session an id as seed 003 writes them,
	// chk_test_… or chk_live_…: a session made through /v1/checkout_sessions.
	// Every dialect reads it; the customer's cancel link cancels it.
	CheckoutSessionsID bool
	// Invoice names an open invoice the session pays: its line items and
	// amount due are the session's (see invoiceSession); Amount,
	// LineItems and discounts are then refused.
	Invoice string
	// CompanionDevice is the in-store device an in_store payment is pushed
	// to (canonical companion_device, seed 002's companionDeviceId).
	CompanionDevice string
}

// DiscountParams names one discount: a coupon or a promotion code.
type DiscountParams struct {
	Coupon        string
	PromotionCode string
}

// LineItemParams is one requested line item: Stripe's price_data shape,
// or a Product (with Quantity) whose current price the line takes.
type LineItemParams struct {
	Quantity    *int64
	Currency    string
	UnitAmount  *int64
	Name        string
	Description string
	Images      []string
	Product     string
	// fromProduct is set once the price above was copied from Product
	// (resolveProducts), so it is not refused as price_data given twice.
	fromProduct bool
}

// CreateSession validates p and stores a new open session in scope. A
// rejected request writes nothing.
func (s *Service) CreateSession(ctx context.Context, scope checkout.Scope, p *SessionParams) (*checkout.Session, error) {
	acct, err := s.account(ctx, scope.AccountID)
	if err != nil {
		return nil, err
	}
	return s.createSession(ctx, scope, p, acct, "", "")
}

// createSession makes a session of acct in scope: with id, or a new one
// when id is ""; linkID names the payment link that mints it, if one does.
func (s *Service) createSession(ctx context.Context, scope checkout.Scope, p *SessionParams, acct *checkout.Account, id, linkID string) (*checkout.Session, error) {
	if p.Invoice != "" {
		var err error
		if p, err = s.invoiceSession(ctx, scope, p); err != nil {
			return nil, err
		}
	} else if items, err := s.resolveProducts(ctx, scope, p.LineItems); err != nil {
		return nil, err
	} else if len(items) > 0 {
		q := *p // the caller's params are left as given
		q.LineItems = items
		p = &q
	}
	now := s.now()
	sess, err := buildSession(p, acct, scope.Livemode, now)
	if err != nil {
		return nil, err
	}
	sess.Invoice = p.Invoice
	if err := s.buildStablecoin(ctx, acct, sess, p); err != nil {
		return nil, err
	}
	if err := s.chooseProvider(ctx, acct, sess, p.Provider); err != nil {
		return nil, err
	}
	if err := s.setCompanionDevice(ctx, scope, sess, p.CompanionDevice); err != nil {
		return nil, err
	}
	if err := s.setDiscounts(ctx, sess, p); err != nil {
		return nil, err
	}
	sess.ID, sess.PaymentLink = id, linkID
	if sess.ID == "" {
		sess.ID = s.ids.New("cs")
	}
	if p.LinkID {
		// Seed 000's single-use link is the session: its way back is its
		// own page, which the caller can name only through the id
		// placeholder.
		sess.ID = s.ids.New("cs_link")
		sess.CancelURL = strings.ReplaceAll(sess.CancelURL, SessionIDPlaceholder, sess.ID)
	}
	if p.CheckoutSessionsID {
		sess.ID = s.ids.New(CheckoutSessionsPrefix(scope.Livemode))
	}
	sess.PublicToken = newPublicToken(sess.ID)
	sess.CSRFToken = checkout.RandomString(32)
	for i := range sess.LineItems {
		sess.LineItems[i].ID = s.ids.New("li")
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	s.fetchItemImages(sess)
	return s.pushAtCreation(ctx, sess)
}

// checkLiveMethods refuses, in live mode, methods no live provider of acct
// takes: a live session with one would be a page nobody can pay. (Test
// mode has the simulator.)
func (s *Service) checkLiveMethods(ctx context.Context, acct *checkout.Account, livemode bool, methods []string) error {
	if !livemode {
		return nil
	}
	ps, err := s.providerSettings(ctx, checkout.Scope{AccountID: acct.ID, Livemode: true})
	if err != nil {
		return err
	}
	for i, m := range methods {
		if _, err := s.providerIn(ps, acct, true, "", checkout.Method(m)); err != nil {
			if !checkout.IsKind(err, checkout.KindState) {
				return err
			}
			return liveProviderMissing(i, m)
		}
	}
	return nil
}

// A session's public token, for pages whose URL carries a token rather than
// the id (seed 002's /p/{publicToken}), is "pt_", the id's random part (the
// whole id for a chk_ one), "_" and 22 base62 characters drawn for the
// token alone (about 131 bits). The id part lets the page find the session
// through the id's own index, so no store keeps a second index of every
// session (it cost a create about 8 % of its store time); the drawn part,
// compared in constant time with the stored token, makes the token
// unguessable from the id: knowing a session's id does not give its /p/ URL.
const sessionPrefix, tokenPrefix, checkoutSessionsPrefix = "cs_", "pt_", "chk_"

func newPublicToken(id string) string {
	return tokenPrefix + strings.TrimPrefix(id, sessionPrefix) + "_" + checkout.RandomString(22)
}

// sessionOfToken is the id whose public token has rest after "pt_"; ok is
// false when rest has no drawn part.
func sessionOfToken(rest string) (id string, ok bool) {
	i := strings.LastIndexByte(rest, '_')
	if i <= 0 || len(rest)-i-1 != 22 {
		return "", false
	}
	if rest = rest[:i]; strings.HasPrefix(rest, checkoutSessionsPrefix) {
		return rest, true
	}
	return sessionPrefix + rest, true
}

// CheckoutSessionsPrefix is the id prefix (for IDs.New) of a session made
// through seed 003's API in the mode: chk_test or chk_live.
func CheckoutSessionsPrefix(livemode bool) string {
	if livemode {
		return checkoutSessionsPrefix + "live"
	}
	return checkoutSessionsPrefix + "test"
}

// IsCheckoutSessionsID reports whether id is a session made through seed
// 003's API (see SessionParams.CheckoutSessionsID).
func IsCheckoutSessionsID(id string) bool { return strings.HasPrefix(id, checkoutSessionsPrefix) }

// findByToken is the stored session whose public token is token.
func (s *Service) findByToken(ctx context.Context, token string) (*checkout.Session, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return nil, checkout.ErrNotFound
	}
	id, ok := sessionOfToken(rest)
	if !ok {
		return nil, checkout.ErrNotFound
	}
	sess, err := s.store.FindSession(ctx, id)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(sess.PublicToken), []byte(token)) != 1 {
		return nil, checkout.ErrNotFound
	}
	return sess, nil
}

// PageURL is where the customer pays session sess on a hosted page served
// under publicURL (without a trailing slash), by its public token: the URL
// seed 002's answers give. A session stored before tokens had a drawn part
// holds a token no /p/ URL finds: its page is given by id.
func PageURL(publicURL string, sess *checkout.Session) string {
	if rest, ok := strings.CutPrefix(sess.PublicToken, tokenPrefix); ok {
		if id, ok := sessionOfToken(rest); ok && id == sess.ID {
			return publicURL + "/p/" + sess.PublicToken
		}
	}
	return SessionURL(publicURL, sess.ID)
}

// SessionURL is where the customer pays session id, on a hosted page served
// under publicURL (without a trailing slash).
func SessionURL(publicURL, id string) string { return publicURL + "/checkout/" + id }

// GetSession returns a session of scope as readers must see it now.
func (s *Service) GetSession(ctx context.Context, scope checkout.Scope, id string) (*checkout.Session, error) {
	sess, err := s.store.GetSession(ctx, scope, id)
	if err != nil {
		if checkout.IsKind(err, checkout.KindNotFound) {
			return nil, checkout.NotFound("id", "checkout session", id)
		}
		return nil, err
	}
	return sess.Observed(s.now()), nil
}

// ListSessions returns one page of scope's sessions, newest first.
func (s *Service) ListSessions(ctx context.Context, scope checkout.Scope, f checkout.SessionFilter) (checkout.Page[*checkout.Session], error) {
	if err := checkList(&f.ListParams); err != nil {
		return checkout.Page[*checkout.Session]{}, err
	}
	if f.Status != "" && !slices.Contains(checkout.SessionStatuses, f.Status) {
		return checkout.Page[*checkout.Session]{}, checkout.Invalid("status", "parameter_invalid",
			"status must be one of open, complete, expired, canceled; got '%s'", f.Status)
	}
	if !f.CreatedGTE.IsZero() && !f.CreatedLTE.IsZero() && f.CreatedGTE.After(f.CreatedLTE) {
		return checkout.Page[*checkout.Session]{}, checkout.Invalid("created[gte]", "parameter_invalid", "created[gte] is after created[lte]")
	}
	now := s.now()
	f.Now = now
	page, err := s.store.ListSessions(ctx, scope, f)
	if err != nil {
		return page, err
	}
	for i, sess := range page.Items {
		page.Items[i] = sess.Observed(now)
	}
	return page, nil
}

// ExpireSession expires an open session of scope now. Any other status is a
// KindState error that says why.
func (s *Service) ExpireSession(ctx context.Context, scope checkout.Scope, id string) (*checkout.Session, error) {
	sess, err := s.transition(ctx, func() (*checkout.Session, error) {
		sess, err := s.store.GetSession(ctx, scope, id)
		if checkout.IsKind(err, checkout.KindNotFound) {
			return nil, checkout.NotFound("id", "checkout session", id)
		}
		return sess, err
	}, checkout.TransitionExpire)
	if err == nil {
		s.callOffPushes(ctx, sess, "the checkout session expired")
	}
	return sess, err
}

// CancelSession cancels an open session of scope now (seed 003's cancel,
// by the merchant or by the customer's cancel link), with its
// checkout.session.canceled event. A session that is complete, expired or
// canceled already, or that a payment is being charged for, is a KindState
// error that says why.
func (s *Service) CancelSession(ctx context.Context, scope checkout.Scope, id string) (*checkout.Session, error) {
	sess, err := s.transition(ctx, func() (*checkout.Session, error) {
		sess, err := s.store.GetSession(ctx, scope, id)
		if checkout.IsKind(err, checkout.KindNotFound) {
			return nil, checkout.NotFound("id", "checkout session", id)
		}
		return sess, err
	}, checkout.TransitionCancel)
	if err == nil {
		s.callOffPushes(ctx, sess, "the checkout session was canceled")
	}
	return sess, err
}

// SweepExpired writes the expiry of every open session whose expires_at has
// passed, with its checkout.session.expired event, and returns how many it
// expired. Several processes may sweep one store at once: the compare-and-set
// in transition lets exactly one of them write each expiry.
func (s *Service) SweepExpired(ctx context.Context) (int, error) {
	const batch = 100
	n := 0
	for {
		due, err := s.store.DueSessions(ctx, s.now(), batch)
		if err != nil {
			return n, err
		}
		for _, d := range due {
			sess, err := s.transition(ctx, func() (*checkout.Session, error) {
				return s.store.GetSession(ctx, d.Scope(), d.ID)
			}, checkout.TransitionExpire)
			switch {
			case err == nil:
				n++
				s.callOffPushes(ctx, sess, "the checkout session expired")
			case checkout.IsKind(err, checkout.KindState):
				// Another process expired or paid it first.
			default:
				return n, err
			}
		}
		if len(due) < batch {
			return n, nil
		}
	}
}

// Run performs the background work of one process until ctx ends: the expiry
// sweep and the due-payment sweep (the reconciler and unpaid vouchers, see
// SweepDuePayments) every interval, and the hourly pruning of idempotency records.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastPrune time.Time
	for {
		if n, err := s.SweepExpired(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("expiry sweep failed", "err", err)
		} else if n > 0 {
			s.log.Info("expired sessions", "count", n)
		}
		if n, err := s.SweepDuePayments(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("due payment sweep failed", "err", err)
		} else if n > 0 {
			s.log.Info("settled due payments", "count", n)
		}
		if now := s.now(); now.Sub(lastPrune) > time.Hour {
			if err := s.store.PruneIdempotencyKeys(ctx, now.Add(-checkout.IdempotencyTTL)); err != nil && ctx.Err() == nil {
				s.log.Error("pruning idempotency keys failed", "err", err)
			} else {
				lastPrune = now
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// GetEvent returns an event of scope.
func (s *Service) GetEvent(ctx context.Context, scope checkout.Scope, id string) (*checkout.Event, error) {
	ev, err := s.store.GetEvent(ctx, scope, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "event", id)
	}
	return ev, err
}

// ListEvents returns one page of scope's events, newest first.
func (s *Service) ListEvents(ctx context.Context, scope checkout.Scope, f checkout.EventFilter) (checkout.Page[*checkout.Event], error) {
	if err := checkList(&f.ListParams); err != nil {
		return checkout.Page[*checkout.Event]{}, err
	}
	if len(f.Type) > 100 {
		return checkout.Page[*checkout.Event]{}, checkout.Invalid("type", "parameter_invalid", "type is longer than 100 characters")
	}
	return s.store.ListEvents(ctx, scope, f)
}

// DefaultListLimit is the page size when a request gives none (callers set
// it: an explicit limit of 0 is an error, not a request for the default).
// MaxListLimit bounds every page.
const (
	DefaultListLimit = 10
	MaxListLimit     = 100
)

func checkList(p *checkout.ListParams) error {
	if p.Limit < 1 || p.Limit > MaxListLimit {
		return checkout.Invalid("limit", "parameter_invalid_integer", "limit must be between 1 and %d; got %d", MaxListLimit, p.Limit)
	}
	if p.StartingAfter != "" && p.EndingBefore != "" {
		return checkout.Invalid("ending_before", "parameter_invalid", "starting_after and ending_before cannot be used together")
	}
	for _, c := range []struct{ name, v string }{{"starting_after", p.StartingAfter}, {"ending_before", p.EndingBefore}} {
		if len(c.v) > 255 {
			return checkout.Invalid(c.name, "parameter_invalid", "%s is longer than 255 characters", c.name)
		}
	}
	return nil
}
