package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Payment links: a URL (/l/{id}) that mints a checkout session on each
// visit. A link is a generic object (checkout.PaymentLink); its sessions
// carry its id (Session.PaymentLink).

// LinkParams creates a payment link (all fields) or changes one (Active,
// Description and Metadata only; nil fields are left alone).
type LinkParams struct {
	Amount             *int64
	Currency           string
	LineItems          []LineItemParams
	Description        *string
	PaymentMethodTypes []string
	Metadata           map[string]string
	Reusable           *bool
	Active             *bool
	ExpiresAt          *time.Time
	Limit              *int64
	// SuccessURL is after_completion.redirect.url.
	SuccessURL string
}

// MaxLinkLimit bounds restrictions.completed_sessions.limit.
const MaxLinkLimit = 10000

// LinkURL is the public URL of link id, under publicURL.
func LinkURL(publicURL, id string) string { return publicURL + "/l/" + id }

// CreatePaymentLink validates p and stores a new link of scope with its
// payment_link.created event. A rejected request writes nothing.
func (s *Service) CreatePaymentLink(ctx context.Context, scope checkout.Scope, p *LinkParams) (*checkout.PaymentLink, error) {
	acct, err := s.account(ctx, scope.AccountID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	l := &checkout.PaymentLink{ID: s.ids.New("plink"), AccountID: scope.AccountID, Livemode: scope.Livemode,
		Active: true, Reusable: true, Version: 1, Created: now, Updated: now}
	if p.Active != nil {
		l.Active = *p.Active
	}
	if p.Reusable != nil {
		l.Reusable = *p.Reusable
	}
	if p.Description != nil {
		l.Description = *p.Description
	}
	if p.ExpiresAt != nil {
		if !p.ExpiresAt.After(now) {
			return nil, checkout.Invalid("expires_at", "parameter_invalid", "expires_at must be in the future")
		}
		l.ExpiresAt = p.ExpiresAt.UTC().Truncate(time.Second)
	}
	if p.Limit != nil {
		if *p.Limit < 1 || *p.Limit > MaxLinkLimit {
			return nil, checkout.Invalid("restrictions[completed_sessions][limit]", "parameter_invalid_integer",
				"restrictions[completed_sessions][limit] must be between 1 and %d; got %d", MaxLinkLimit, *p.Limit)
		}
		l.Limit = *p.Limit
	}
	if p.SuccessURL != "" {
		if l.SuccessURL, err = checkRedirectURL("after_completion[redirect][url]", p.SuccessURL, scope.Livemode, false); err != nil {
			return nil, err
		}
	}
	// The template is checked as a session made from it would be, so that
	// every visit can mint one; the amounts are kept as computed.
	items, err := s.resolveProducts(ctx, scope, p.LineItems)
	if err != nil {
		return nil, err
	}
	sp := &SessionParams{Amount: p.Amount, Currency: p.Currency, LineItems: items, PaymentMethodTypes: p.PaymentMethodTypes,
		Description: l.Description, Metadata: p.Metadata, SuccessURL: "https://link.invalid/", CancelURL: "https://link.invalid/"}
	sess, err := buildSession(sp, acct, scope.Livemode, now)
	if err != nil {
		return nil, err
	}
	if err := s.checkLiveMethods(ctx, acct, scope.Livemode, sess.PaymentMethodTypes); err != nil {
		return nil, err
	}
	// in_store pushes a session to the device it names, and a link names
	// none: every visit's session would be refused.
	if i := slices.Index(p.PaymentMethodTypes, string(checkout.MethodInStore)); i >= 0 {
		return nil, checkout.Invalid(fmt.Sprintf("payment_method_types[%d]", i), "payment_method_invalid",
			"a payment link cannot take in_store: it names no companion device to push its sessions to")
	}
	l.Currency, l.Amount, l.LineItems = sess.Currency, sess.AmountTotal, sess.LineItems
	l.PaymentMethodTypes, l.Metadata, l.Description = sess.PaymentMethodTypes, sess.Metadata, sess.Description
	if p.Amount != nil && len(p.LineItems) == 0 {
		l.LineItems = nil // an amount-only link: its sessions are too
	}
	for i := range l.LineItems {
		// The template's own ids; each minted session's items get new ones.
		l.LineItems[i].ID = s.ids.New("li")
	}
	ev := s.linkEvent(l, checkout.EventPaymentLinkCreated, now)
	if err := s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{l}, Events: []*checkout.Event{ev}}); err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return l, nil
}

// linkEvent is the event of a change of l; its sequence is l's version,
// which grows by one with each write, as an endpoint's does.
func (s *Service) linkEvent(l *checkout.PaymentLink, typ string, now time.Time) *checkout.Event {
	snap := l.Clone()
	snap.Slots = nil // who is paying now is the link's bookkeeping, not news
	return &checkout.Event{ID: s.ids.New("evt"), AccountID: l.AccountID, Livemode: l.Livemode, Type: typ,
		Created: now, Sequence: l.Version, ObjectID: l.ID, Object: snap}
}

// GetPaymentLink returns a link of scope.
func (s *Service) GetPaymentLink(ctx context.Context, scope checkout.Scope, id string) (*checkout.PaymentLink, error) {
	o, err := s.store.GetObject(ctx, scope, checkout.PaymentLinkKind, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "payment link", id)
	}
	if err != nil {
		return nil, err
	}
	return o.(*checkout.PaymentLink), nil
}

// ListPaymentLinks returns one page of scope's links, newest first.
func (s *Service) ListPaymentLinks(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.PaymentLink], error) {
	var out checkout.Page[*checkout.PaymentLink]
	if err := checkList(&p); err != nil {
		return out, err
	}
	page, err := s.store.ListObjects(ctx, scope, checkout.PaymentLinkKind, p)
	if err != nil {
		return out, err
	}
	out.HasMore = page.HasMore
	for _, o := range page.Items {
		out.Items = append(out.Items, o.(*checkout.PaymentLink))
	}
	return out, nil
}

// UpdatePaymentLink changes a link's active, description or metadata (any
// other field of p is refused by name), with a payment_link.updated event.
func (s *Service) UpdatePaymentLink(ctx context.Context, scope checkout.Scope, id string, p *LinkParams) (*checkout.PaymentLink, error) {
	switch {
	case p.Amount != nil:
		return nil, checkout.Invalid("amount", "parameter_unknown", "a payment link's amount cannot be changed; create a new link")
	case p.Currency != "":
		return nil, checkout.Invalid("currency", "parameter_unknown", "a payment link's currency cannot be changed; create a new link")
	case p.LineItems != nil:
		return nil, checkout.Invalid("line_items", "parameter_unknown", "a payment link's line items cannot be changed; create a new link")
	case p.PaymentMethodTypes != nil:
		return nil, checkout.Invalid("payment_method_types", "parameter_unknown", "a payment link's payment methods cannot be changed; create a new link")
	case p.Reusable != nil:
		return nil, checkout.Invalid("reusable", "parameter_unknown", "whether a payment link is reusable cannot be changed")
	case p.ExpiresAt != nil:
		return nil, checkout.Invalid("expires_at", "parameter_unknown", "a payment link's expires_at cannot be changed; deactivate it with active=false")
	case p.Limit != nil:
		return nil, checkout.Invalid("restrictions[completed_sessions][limit]", "parameter_unknown", "a payment link's limit cannot be changed")
	case p.SuccessURL != "":
		return nil, checkout.Invalid("after_completion[redirect][url]", "parameter_unknown", "a payment link's after_completion cannot be changed")
	}
	if p.Description != nil {
		if err := checkText("description", *p.Description, MaxDescriptionLen); err != nil {
			return nil, err
		}
	}
	var md map[string]string
	if p.Metadata != nil {
		var err error
		if md, err = checkMetadata(p.Metadata); err != nil {
			return nil, err
		}
	}
	var l *checkout.PaymentLink
	err := retryCAS(func() error {
		var err error
		if l, err = s.GetPaymentLink(ctx, scope, id); err != nil {
			return err
		}
		now := s.now()
		if p.Active != nil {
			l.Active = *p.Active
		}
		if p.Description != nil {
			l.Description = *p.Description
		}
		if md != nil {
			l.Metadata = md
		}
		l.Version++
		l.Updated = now
		ev := s.linkEvent(l, checkout.EventPaymentLinkUpdated, now)
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{l}, Events: []*checkout.Event{ev}})
	})
	if err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return l, nil
}

// LinkUnavailable is the error of a visit to a link that mints no session:
// Reason is checkout.LinkInactive, LinkExpired or LinkExhausted, or
// "used" for a single-use link whose session has ended.
type LinkUnavailable struct {
	Link   *checkout.PaymentLink
	Reason string
}

func (e *LinkUnavailable) Error() string { return "payment link " + e.Link.ID + " is " + e.Reason }

// LinkUsed is the LinkUnavailable reason of a single-use link whose
// session has ended unpaid (expired or canceled) or been paid.
const LinkUsed = "used"

// LinkCannotPay is the LinkUnavailable reason of a link whose sessions
// could not be paid now (a live link whose account has no live provider
// for its methods any more).
const LinkCannotPay = "unavailable"

// VisitPaymentLink is a customer's visit to link id: it returns the
// session to send them to, minted now from the link's template. A
// single-use link mints one session: its first visit makes it and every
// later visit gets that same session back while it is open (a reload, the
// URL opened again); once it has ended, the link is used. A link that
// mints nothing answers *LinkUnavailable (with the link and its account
// for the page), an unknown id checkout.ErrNotFound.
func (s *Service) VisitPaymentLink(ctx context.Context, id string) (*checkout.Session, *checkout.Account, error) {
	o, err := s.store.FindObject(ctx, checkout.PaymentLinkKind, id)
	if err != nil {
		return nil, nil, err
	}
	l, ok := o.(*checkout.PaymentLink)
	if !ok || l.ID != id {
		return nil, nil, checkout.ErrNotFound
	}
	acct, err := s.account(ctx, l.AccountID)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	if why := l.Unavailable(now); why != "" {
		return nil, acct, &LinkUnavailable{Link: l, Reason: why}
	}
	if l.Reusable {
		sess, err := s.mint(ctx, l, acct, "")
		if checkout.IsKind(err, checkout.KindInvalid) {
			// The link was good when made; the account has changed since
			// (its live provider removed): no session can be paid now.
			return nil, acct, &LinkUnavailable{Link: l, Reason: LinkCannotPay}
		}
		return sess, acct, err
	}
	// A single-use link: its one session's id is written on the link
	// first (compare-and-set: of two first visits one writes it, the
	// other reads it), then the session is made under that id; a visit
	// that finds the id but no session (the first died between) makes it.
	err = retryCAS(func() error {
		if l.SessionID != "" {
			return nil
		}
		l.SessionID = s.ids.New("cs")
		l.Version++
		l.Updated = now
		if err := s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{l}}); err != nil {
			o, gerr := s.store.GetObject(ctx, l.Scope(), checkout.PaymentLinkKind, l.ID)
			if gerr != nil {
				return gerr
			}
			l = o.(*checkout.PaymentLink)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.store.FindSession(ctx, l.SessionID)
	if checkout.IsKind(err, checkout.KindNotFound) {
		sess, err = s.mint(ctx, l, acct, l.SessionID)
		if checkout.IsKind(err, checkout.KindConflict) { // made by a visit beside this one
			sess, err = s.store.FindSession(ctx, l.SessionID)
		}
		if checkout.IsKind(err, checkout.KindInvalid) {
			return nil, acct, &LinkUnavailable{Link: l, Reason: LinkCannotPay}
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if sess.StatusAt(now) != checkout.SessionOpen {
		return nil, acct, &LinkUnavailable{Link: l, Reason: LinkUsed}
	}
	return sess.Observed(now), acct, nil
}

// mint makes a session of link l (with id, or a new one when id is ""):
// its success_url is the link's after_completion URL, else the session's
// own page, which shows the receipt; its cancel_url is the link, so the
// way back starts again.
func (s *Service) mint(ctx context.Context, l *checkout.PaymentLink, acct *checkout.Account, id string) (*checkout.Session, error) {
	success := l.SuccessURL
	if success == "" {
		success = SessionURL(s.publicURL, SessionIDPlaceholder)
	}
	p := &SessionParams{Currency: string(l.Currency), Description: l.Description, PaymentMethodTypes: l.PaymentMethodTypes,
		Metadata: l.Metadata, SuccessURL: success, CancelURL: LinkURL(s.publicURL, l.ID)}
	if len(l.LineItems) == 0 {
		p.Amount = &l.Amount
	}
	for _, li := range l.LineItems {
		if li.Product != "" {
			// A product's line sells at the product's price now, as any
			// session's does; an archived product (or one whose currency
			// is no longer the link's) makes the link unavailable.
			p.LineItems = append(p.LineItems, LineItemParams{Quantity: &li.Quantity, Product: li.Product})
			continue
		}
		p.LineItems = append(p.LineItems, LineItemParams{Quantity: &li.Quantity, Currency: string(li.Currency),
			UnitAmount: &li.UnitAmount, Name: li.Name, Description: li.Description, Images: li.Images})
	}
	return s.createSession(ctx, l.Scope(), p, acct, id, l.ID)
}

// claimLink takes a place under the limit of sess's payment link for a
// payment about to be charged, and returns the link to write with the
// claim (nil when the session has no link, or its link no limit).
func (s *Service) claimLink(ctx context.Context, sess *checkout.Session, now time.Time) (*checkout.PaymentLink, error) {
	if sess.PaymentLink == "" {
		return nil, nil
	}
	l, err := s.sessionLink(ctx, sess)
	if err != nil || l == nil {
		return nil, err
	}
	if held, err := l.Claim(sess.ID, now); err != nil || !held {
		return nil, err
	}
	return l, nil
}

// sessionLink reads sess's payment link; nil if it has none (or it is
// gone).
func (s *Service) sessionLink(ctx context.Context, sess *checkout.Session) (*checkout.PaymentLink, error) {
	if sess.PaymentLink == "" {
		return nil, nil
	}
	o, err := s.store.GetObject(ctx, sess.Scope(), checkout.PaymentLinkKind, sess.PaymentLink)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return o.(*checkout.PaymentLink), nil
}

// settleLink frees sess's place under its link's limit once a payment
// has ended, and counts the session if it completed; it returns the link
// to write with the outcome (nil when nothing changes). A link without a
// limit is not written with the outcome (unlimited is true): a popular
// link's payments would all race on its version, and a lost race must
// never fail the recording of a payment the provider took; its count is
// written just after (countLinkCompletion).
func (s *Service) settleLink(ctx context.Context, sess *checkout.Session, completed bool, now time.Time) (l *checkout.PaymentLink, unlimited bool, err error) {
	if l, err = s.sessionLink(ctx, sess); err != nil || l == nil {
		return nil, false, err
	}
	if l.Limit <= 0 {
		return nil, true, nil
	}
	if !l.Settle(sess.ID, completed, now) {
		return nil, false, nil
	}
	return l, false, nil
}

// linkCountAttempts bounds the compare-and-set attempts of one count of a
// completed session on a link without a limit.
const linkCountAttempts = 50

// countLinkCompletion counts completed session sess on its link (one
// without a limit), after the outcome is stored. It is best effort: a
// process that dies between the two writes loses one count of a link that
// limits nothing, and the session itself says it completed.
func (s *Service) countLinkCompletion(ctx context.Context, sess *checkout.Session, now time.Time) {
	for range linkCountAttempts {
		l, err := s.sessionLink(ctx, sess)
		if err != nil || l == nil {
			if err != nil {
				s.log.Error("counting a payment link's completed session failed", "payment_link", sess.PaymentLink, "err", err)
			}
			return
		}
		l.Settle(sess.ID, true, now)
		err = s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{l}})
		if !checkout.IsKind(err, checkout.KindConflict) {
			if err != nil {
				s.log.Error("counting a payment link's completed session failed", "payment_link", sess.PaymentLink, "err", err)
			}
			return
		}
	}
	s.log.Error("counting a payment link's completed session lost every race", "payment_link", sess.PaymentLink)
}
