package service

import (
	"context"
	"errors"
	"net/url"

	"github.com/checkoutd/checkoutd/checkout"
)

// NotificationReceipt says what a verified gateway message did: the mode
// whose credentials verified it and the outcome of each result it carried
// (none when the gateway's message is of a kind the provider ignores).
type NotificationReceipt struct {
	Livemode bool
	Outcomes []checkout.NotificationOutcome
}

// ReceiveNotification takes a message that provider sent about account
// accountID's payments (a gateway's webhook or callback). Its URL names the
// account, not the mode, and what verifies it (a Stripe signing secret, an
// anti-phishing key, a payment found at the gateway) is per mode: the
// account's live provider is asked first, then its test one, each only if
// that mode has the provider (built from the account's credentials; test
// mode's stand-ins are not told anything), and the first that verifies the
// message wins. Each result is then recorded (takeNotification).
//
// Errors: KindNotFound when there is no such account or no mode of it has
// provider as a provider that is told of outcomes; KindUnauthorized
// (notification_unverified) when no mode verifies the message, which
// changes and stores nothing; any other error means a provider could not
// check the message (a gateway that did not answer) or the store failed,
// and the gateway should try again.
func (s *Service) ReceiveNotification(ctx context.Context, accountID, provider string, in checkout.Inbound) (*NotificationReceipt, error) {
	acct, err := s.account(ctx, accountID)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("account", "account", accountID)
	}
	if err != nil {
		return nil, err
	}
	var failed error // a provider that could not check: worth a retry
	found := false
	var fallback *checkout.Scope // a mode that verified it, about none of its payments
	var fallbackNs []checkout.Notification
	for _, live := range []bool{true, false} {
		nt, err := s.notified(ctx, acct, live, provider)
		if err != nil {
			if checkout.IsKind(err, checkout.KindState) || checkout.IsKind(err, checkout.KindNotFound) {
				continue
			}
			return nil, err
		}
		found = true
		ns, err := nt.HandleNotification(ctx, in)
		if err != nil {
			// Never the body nor a credential: which provider, account and
			// mode refused, and the provider's own reason.
			s.log.Warn("gateway notification not verified", "provider", provider, "account", accountID,
				"mode", modeName(live), "reason", safeError(err))
			if !untrusted(err) {
				failed = err
			}
			continue
		}
		scope := checkout.Scope{AccountID: acct.ID, Livemode: live}
		if live && len(ns) > 0 && !s.anyPayment(ctx, scope, provider, ns) {
			// Verified by the live settings but about no live payment: a
			// tenant may give both modes the same key (one Ifthenpay
			// contract), so the test mode is offered it too; if it is no
			// test payment either, it is recorded as the live mode's.
			fallback, fallbackNs = &scope, ns
			continue
		}
		outs, err := s.takeNotifications(ctx, scope, provider, ns)
		return &NotificationReceipt{Livemode: live, Outcomes: outs}, err
	}
	if fallback != nil {
		outs, err := s.takeNotifications(ctx, *fallback, provider, fallbackNs)
		return &NotificationReceipt{Livemode: fallback.Livemode, Outcomes: outs}, err
	}
	switch {
	case !found:
		return nil, checkout.NotFound("provider", "provider", provider)
	case failed != nil:
		return nil, checkout.Errorf(checkout.KindInternal, "provider_unreachable",
			"provider %s could not check a notification: %s", provider, safeError(failed))
	}
	return nil, checkout.Errorf(checkout.KindUnauthorized, "notification_unverified",
		"the message could not be verified as %s's for this account", provider)
}

// HandleNotification takes a message that provider sent about account
// accountID's payments in one mode, as ReceiveNotification does for the
// mode it finds, and returns how many results changed a payment. The
// provider's own error (KindUnauthorized for a forgery) is returned as it
// is. KindNotFound: no such account, or the provider is told nothing.
func (s *Service) HandleNotification(ctx context.Context, accountID string, livemode bool, provider string, in checkout.Inbound) (int, error) {
	acct, err := s.account(ctx, accountID)
	if err != nil {
		return 0, err
	}
	nt, err := s.notified(ctx, acct, livemode, provider)
	if err != nil {
		return 0, checkout.NotFound("provider", "provider", provider)
	}
	ns, err := nt.HandleNotification(ctx, in)
	if err != nil {
		return 0, err
	}
	outs, err := s.takeNotifications(ctx, checkout.Scope{AccountID: acct.ID, Livemode: livemode}, provider, ns)
	applied := 0
	for _, o := range outs {
		if o == checkout.NotificationApplied {
			applied++
		}
	}
	return applied, err
}

// anyPayment reports whether one of ns is about a payment of scope.
func (s *Service) anyPayment(ctx context.Context, scope checkout.Scope, provider string, ns []checkout.Notification) bool {
	for _, n := range ns {
		if _, err := s.resultPayment(ctx, scope, provider, n); err == nil {
			return true
		}
	}
	return false
}

// notified is provider name of acct in a mode if it is told of outcomes.
// KindState when the account cannot use it in that mode, KindNotFound when
// it is not a provider that is told anything (the simulator).
func (s *Service) notified(ctx context.Context, acct *checkout.Account, livemode bool, name string) (checkout.Notified, error) {
	prov, err := s.providerNamed(ctx, acct, livemode, name)
	if err != nil {
		return nil, err
	}
	nt, ok := prov.(checkout.Notified)
	if !ok {
		return nil, checkout.NotFound("provider", "provider", name)
	}
	return nt, nil
}

// untrusted reports whether a provider's error says the message is not its
// own (a bad signature or key, a payment the gateway does not know), as
// opposed to one it could not check now.
func untrusted(err error) bool {
	switch checkout.ErrorKind(err) {
	case checkout.KindUnauthorized, checkout.KindForbidden, checkout.KindInvalid, checkout.KindNotFound:
		return true
	}
	return false
}

// takeNotifications records each of a verified message's results in turn;
// it stops at the first that cannot be written (the gateway then delivers
// the message again, and what was recorded already is a duplicate or
// already final the second time).
func (s *Service) takeNotifications(ctx context.Context, scope checkout.Scope, provider string, ns []checkout.Notification) ([]checkout.NotificationOutcome, error) {
	outs := make([]checkout.NotificationOutcome, 0, len(ns))
	for _, n := range ns {
		o, err := s.takeNotification(ctx, scope, provider, n)
		if err != nil {
			return outs, err
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// takeNotification records one verified result of provider for scope as a
// checkout.ProviderNotification and applies it to its payment when it
// should: never twice for one gateway event, never to a payment of another
// account, mode or provider, a final payment, or one whose amount is not
// what the gateway says was paid. The record and the payment's change are
// one write.
func (s *Service) takeNotification(ctx context.Context, scope checkout.Scope, provider string, n checkout.Notification) (checkout.NotificationOutcome, error) {
	note := &checkout.ProviderNotification{ID: s.ids.New("pn"), AccountID: scope.AccountID, Livemode: scope.Livemode,
		Provider: provider, EventID: n.EventID, ProviderRef: n.ProviderRef, Amount: n.Amount,
		Status: n.Result.Status, Version: 1}
	p, err := s.resultPayment(ctx, scope, provider, n)
	if checkout.IsKind(err, checkout.KindNotFound) {
		err = retryCAS(func() error {
			note.Received = s.now()
			if dup, err := s.seenNotification(ctx, note); err != nil || dup {
				return err
			}
			note.Outcome = checkout.NotificationUnknownPayment
			return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{note}})
		})
		return note.Outcome, err
	}
	if err != nil {
		return "", err
	}
	if n.Result.Status == "" && len(n.Refunds) > 0 {
		return s.takeRefunds(ctx, p, note, n.Refunds)
	}
	// The payment record answers is as its write found it (for an
	// outcome that changes nothing, as it stands).
	if _, p, err = s.record(ctx, p.ID, n.Result, note); err != nil {
		return "", err
	}
	if len(n.Refunds) > 0 && note.Outcome != checkout.NotificationDuplicate {
		if _, err := s.applyRefunds(ctx, p, n.Refunds); err != nil {
			return "", err
		}
	}
	if note.Outcome == checkout.NotificationAlreadyFinal && n.Result.Status == checkout.PaymentSucceeded && p.Status != checkout.PaymentSucceeded {
		// The gateway took money for a payment checkoutd recorded as ended
		// (a start that timed out after the gateway charged, a voucher
		// paid after its deadline): nothing here changes it, so a person
		// must settle it at the gateway.
		s.log.Error("gateway reports money taken for a payment recorded as ended; refund it at the gateway",
			"provider", provider, "account", scope.AccountID, "mode", modeName(scope.Livemode), "payment", p.ID,
			"status", string(p.Status), "notification", note.ID)
	}
	return note.Outcome, nil
}

// takeRefunds records a verified message that reports only refunds of
// payment p (Stripe's charge.refunded): the refunds are settled or
// recorded (applyRefunds, which matches each by its reference, so a
// repeat changes nothing), then the message is recorded, applied when it
// changed something. The two writes are apart: a crash between them leaves
// the refunds recorded and the gateway's next delivery finds them known.
func (s *Service) takeRefunds(ctx context.Context, p *checkout.Payment, note *checkout.ProviderNotification, refunds []checkout.RefundResult) (checkout.NotificationOutcome, error) {
	if dup, err := s.seenNotification(ctx, note); err != nil || dup {
		return note.Outcome, err
	}
	changed, err := s.applyRefunds(ctx, p, refunds)
	if err != nil {
		return "", err
	}
	err = retryCAS(func() error {
		note.Received, note.PaymentID = s.now(), p.ID
		if dup, err := s.seenNotification(ctx, note); err != nil || dup {
			return err
		}
		note.Outcome = checkout.NotificationIgnored
		if changed > 0 {
			note.Outcome = checkout.NotificationApplied
		}
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{note}})
	})
	return note.Outcome, err
}

// seenNotification reports whether the gateway event of note was recorded
// before, and then marks note a duplicate. A message without an event id
// is never a duplicate by id: its payment's state decides.
func (s *Service) seenNotification(ctx context.Context, note *checkout.ProviderNotification) (bool, error) {
	keys := note.LookupKeys()
	if len(keys) == 0 {
		return false, nil
	}
	_, err := s.store.FindObject(ctx, checkout.ProviderNotificationKind, keys[0])
	switch {
	case err == nil:
		note.Outcome = checkout.NotificationDuplicate
		return true, nil
	case checkout.IsKind(err, checkout.KindNotFound):
		return false, nil
	}
	return false, err
}

// noteRefusal is the outcome of a result for payment p that must change
// nothing, or "" when it may be applied.
func noteRefusal(p *checkout.Payment, note *checkout.ProviderNotification) checkout.NotificationOutcome {
	// A success for a payment checkoutd ended itself (its session ended
	// while the customer was at the gateway, an in-store push it called
	// off) is money taken: it goes on to record, which keeps it and
	// refunds it in full (apply's chargedAfterCancel).
	calledOff := endedByCheckoutd(p) && note.Status == checkout.PaymentSucceeded
	switch {
	case p.Status.Final() && !calledOff:
		// A voucher paid already, or failed at its deadline: the gateway
		// repeats, or reports a payment made too late, for a person to
		// look at (the record says which).
		return checkout.NotificationAlreadyFinal
	case note.Amount != 0 && note.Amount != p.Amount:
		return checkout.NotificationWrongAmount
	case note.Status == "":
		// Nothing about the payment's state (a report of refunds only).
		return checkout.NotificationIgnored
	}
	return ""
}

// safeError is err's text for a log line or an error message, without
// what a gateway's URL may carry: an HTTP client's error names the URL it
// called, whose query or path can hold an API key (Ifthenpay's do), so
// only its scheme and host are kept.
func safeError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		host := ue.URL
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Scheme + "://" + u.Host
		} else {
			host = "(unparsable URL)"
		}
		return ue.Op + " " + host + ": " + safeError(ue.Err)
	}
	return err.Error()
}

// ListProviderNotifications returns one page of scope's recorded gateway
// results, newest first: what an operator reads to find a voucher paid
// with the wrong amount, or money taken for a payment that had ended.
func (s *Service) ListProviderNotifications(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.ProviderNotification], error) {
	var out checkout.Page[*checkout.ProviderNotification]
	if err := checkList(&p); err != nil {
		return out, err
	}
	page, err := s.store.ListObjects(ctx, scope, checkout.ProviderNotificationKind, p)
	if err != nil {
		return out, err
	}
	out.HasMore = page.HasMore
	for _, o := range page.Items {
		out.Items = append(out.Items, o.(*checkout.ProviderNotification))
	}
	return out, nil
}
