package service

import (
	"context"
	"crypto/subtle"
	"strings"
	"sync"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// DefaultDevicePushTimeout is how long an in_store payment waits for its
// device: then the sweep fails it (device_timeout) and the session, which
// stayed open, may be paid another way.
const DefaultDevicePushTimeout = 5 * time.Minute

// testDeviceDelay is how long dev_test_approve "thinks" before approving,
// as a customer tapping a card would.
const testDeviceDelay = time.Second

// simulator is the name of the built-in test-mode provider, whose devices
// the fixed test devices are.
const simulator = SimulatorName

// SimulatorName is the provider of test mode's simulated payments, the
// only ones a device's word settles.
const SimulatorName = "sim"

// DevicePush is a payment waiting on a device, with its session (amount,
// items) as the device shows it.
type DevicePush struct {
	Session *checkout.Session
	Payment *checkout.Payment
}

// pushedTo reports whether payment p waits on device id.
func pushedTo(p *checkout.Payment, id string) bool {
	return p.Status == checkout.PaymentRequiresAction && p.Action != nil && p.Action.Kind == checkout.NextActionDevice &&
		p.Action.Device != nil && p.Action.Device.DeviceID == id
}

// DevicePushes returns the payments waiting on device id of scope, oldest
// first: those not yet timed out whose session is still open. The
// payments are the record of the pushes: they are read newest first, up
// to the oldest that could still be waiting (one push timeout ago), so no
// other index is needed. Nothing of another scope can be read.
func (s *Service) DevicePushes(ctx context.Context, scope checkout.Scope, id string) ([]DevicePush, error) {
	return s.devicePushes(ctx, scope, id, true)
}

// devicePushes is DevicePushes; shown false, it also returns the pushes a
// device is no longer shown (timed out, or of a session that ended) which
// still wait at their provider, for a revocation to call them off too.
func (s *Service) devicePushes(ctx context.Context, scope checkout.Scope, id string, shown bool) ([]DevicePush, error) {
	now := s.now()
	oldest := now.Add(-s.devicePushTimeout - time.Minute)
	var out []DevicePush
	lp := checkout.ListParams{Limit: 100}
	for {
		page, err := s.store.ListPayments(ctx, scope, checkout.PaymentFilter{ListParams: lp})
		if err != nil {
			return nil, err
		}
		for _, p := range page.Items {
			if p.Created.Before(oldest) {
				return out, nil
			}
			if !pushedTo(p, id) || (shown && !now.Before(p.Action.ExpiresAt)) {
				continue
			}
			sess, err := s.store.GetSession(ctx, scope, p.SessionID)
			if err != nil {
				return nil, err
			}
			// An expired (or otherwise ended) session never reaches a
			// device, even before the sweep has written it so.
			if shown && sess.StatusAt(now) != checkout.SessionOpen {
				continue
			}
			out = append([]DevicePush{{Session: sess.Observed(now), Payment: p}}, out...)
		}
		if !page.HasMore || len(page.Items) == 0 {
			return out, nil
		}
		lp.StartingAfter = page.Items[len(page.Items)-1].ID
	}
}

// DeviceOutcome is what a device reports about a payment pushed to it.
type DeviceOutcome struct {
	// Outcome is approved, declined or canceled.
	Outcome string
	// Brand, Last4 and Reference describe an approval: the card, and the
	// payment's reference at the card's processor.
	Brand, Last4, Reference string
	// Reason is a decline's code (card_declined when empty).
	Reason string
}

// Device outcomes.
const (
	OutcomeApproved = "approved"
	OutcomeDeclined = "declined"
	OutcomeCanceled = "canceled"
)

// MaxDeviceReference bounds what a device may send as a reference.
const MaxDeviceReference = 200

// check validates o field by field; nothing is written before it passes.
func (o DeviceOutcome) check() error {
	switch o.Outcome {
	case "":
		return checkout.Invalid("outcome", "parameter_missing", "outcome is required: approved, declined or canceled")
	case OutcomeApproved:
		if o.Reason != "" {
			return checkout.Invalid("reason", "parameter_unexpected", "reason goes with a declined outcome only")
		}
		if o.Brand == "" {
			return checkout.Invalid("brand", "parameter_missing", "an approval names the card's brand")
		}
		if !printable(o.Brand, 30) {
			return checkout.Invalid("brand", "parameter_invalid", "brand must be at most 30 printable characters")
		}
		if len(o.Last4) != 4 || strings.Trim(o.Last4, "0123456789") != "" {
			return checkout.Invalid("last4", "parameter_invalid", "last4 must be the card's last 4 digits")
		}
		if !printable(o.Reference, MaxDeviceReference) {
			return checkout.Invalid("reference", "parameter_invalid", "reference must be at most %d printable characters", MaxDeviceReference)
		}
	case OutcomeDeclined, OutcomeCanceled:
		for _, f := range []struct{ name, v string }{{"brand", o.Brand}, {"last4", o.Last4}, {"reference", o.Reference}} {
			if f.v != "" {
				return checkout.Invalid(f.name, "parameter_unexpected", "%s goes with an approved outcome only", f.name)
			}
		}
		if o.Outcome == OutcomeCanceled && o.Reason != "" {
			return checkout.Invalid("reason", "parameter_unexpected", "reason goes with a declined outcome only")
		}
		if o.Reason != "" && (len(o.Reason) > 60 || strings.Trim(o.Reason, "abcdefghijklmnopqrstuvwxyz_") != "") {
			return checkout.Invalid("reason", "parameter_invalid", "reason must be a decline code in snake_case, as card_declined")
		}
	default:
		return checkout.Invalid("outcome", "parameter_invalid", "outcome must be approved, declined or canceled; got '%s'", o.Outcome)
	}
	return nil
}

func printable(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ReportDeviceResult records what device d reports for the payment of
// session sessionID pushed to it. The result goes through
// ApplyProviderResult, the one entry point for pushed results. A session
// of another account or mode, or one not pushed to d, is KindNotFound.
//
// A device's approval is believed on its word only for a payment no
// provider can be asked about, in test mode (the simulator's). A payment
// whose provider can be asked (Stripe's) is approved by the provider alone:
// the report must carry the payment's reference there (the PaymentIntent
// id), then the provider is asked and what it says is recorded
// (verifiedApproval); in live mode an approval no provider can verify is
// refused. A decline or a cancel is called off at the provider first
// (callOff), so that the attempt can no longer take money.
func (s *Service) ReportDeviceResult(ctx context.Context, d *checkout.Device, sessionID string, o DeviceOutcome) (*checkout.Payment, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	scope := d.Scope()
	sess, err := s.store.GetSession(ctx, scope, sessionID)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("sessionId", "checkout session", sessionID)
	}
	if err != nil {
		return nil, err
	}
	p, err := s.pushOf(ctx, sess, d.ID)
	if err != nil {
		return nil, err
	}
	if st := sess.StatusAt(s.now()); st != checkout.SessionOpen {
		return nil, &checkout.Error{Kind: checkout.KindState, Code: "checkout_session_" + string(st), Message: "this checkout session is " + string(st) + " and can no longer be paid"}
	}
	if !s.now().Before(p.Action.ExpiresAt) {
		// Timed out, whether or not the sweep has failed it yet: the
		// customer may be paying another way by now.
		return nil, &checkout.Error{Kind: checkout.KindState, Code: "device_push_expired", Message: "this payment waited on the device too long and can no longer be reported"}
	}
	prov, err := s.providerOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if o.Outcome != OutcomeApproved {
		return s.callOff(ctx, p, o.result())
	}
	if poller, ok := prov.(checkout.Poller); ok {
		return s.verifiedApproval(ctx, p, poller, o)
	}
	if scope.Livemode {
		if o.Reference == "" {
			return nil, checkout.Invalid("reference", "parameter_missing", "a live approval must carry the processor's reference of the payment")
		}
		return nil, checkout.Errorf(checkout.KindForbidden, "live_approval_unverified",
			"a live in-store approval must be verified with the card processor, which this provider cannot do; the payment was not recorded")
	}
	return s.ApplyProviderResult(ctx, scope, p.Provider, checkout.Notification{PaymentID: p.ID, Result: o.result()})
}

// verifiedApproval records a device's approval of payment p as its
// provider has it: the report's reference must be the payment's at the
// provider (compared in constant time: a device that did not take the
// payment does not learn it from the answer), and the provider is asked.
// Its answer is recorded when final (a success with the card the
// provider saw, never the device's brand and last4; or a failure);
// undecided, nothing is recorded (payment_not_confirmed) and the
// provider's webhook or the reconciler settles it.
func (s *Service) verifiedApproval(ctx context.Context, p *checkout.Payment, poller checkout.Poller, o DeviceOutcome) (*checkout.Payment, error) {
	if o.Reference == "" {
		return nil, checkout.Invalid("reference", "parameter_missing",
			"an approval must carry the payment's reference at its provider (the PaymentIntent id, pi_…), for checkoutd to confirm it there")
	}
	if p.ProviderRef == "" || subtle.ConstantTimeCompare([]byte(o.Reference), []byte(p.ProviderRef)) != 1 {
		return nil, checkout.Invalid("reference", "reference_mismatch", "reference is not this payment's reference at its provider; nothing was recorded")
	}
	pctx, cancel := context.WithTimeout(ctx, pollTimeout)
	res, err := poller.Poll(pctx, p)
	cancel()
	if err != nil {
		return nil, err
	}
	if !res.Status.Final() {
		return nil, &checkout.Error{Kind: checkout.KindState, Code: "payment_not_confirmed",
			Message: "the payment provider does not report this payment succeeded (it is " + string(res.Status) + " there), so the approval was not recorded; the provider's own report will settle it"}
	}
	return s.ApplyProviderResult(ctx, p.Scope(), p.Provider, checkout.Notification{PaymentID: p.ID, ProviderRef: p.ProviderRef, Result: res})
}

// callOff ends payment p, waiting on its device, with result want (a
// decline, a cancel, a revoked device), after calling it off at its
// provider when the provider can (checkout.Canceler: a reader's
// PaymentIntent), so that an attempt checkoutd recorded ended can never
// take money afterwards. The provider's answer decides: a success the call
// came too late for is recorded as that success; an attempt still
// undecided there (processing) is left as it is (KindState
// payment_processing) for the provider's report; an error records nothing.
func (s *Service) callOff(ctx context.Context, p *checkout.Payment, want checkout.ProviderResult) (*checkout.Payment, error) {
	prov, err := s.providerOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if c, ok := prov.(checkout.Canceler); ok {
		got, err := c.Cancel(ctx, p)
		if err != nil {
			return nil, err
		}
		switch {
		case got.Status == checkout.PaymentSucceeded:
			want = got
		case !got.Status.Final():
			return nil, &checkout.Error{Kind: checkout.KindState, Code: "payment_processing",
				Message: "the payment provider is still processing this payment, so it cannot be called off; its outcome will be recorded when the provider reports it"}
		}
	}
	return s.ApplyProviderResult(ctx, p.Scope(), p.Provider, checkout.Notification{PaymentID: p.ID, Result: want})
}

func (o DeviceOutcome) result() checkout.ProviderResult {
	switch o.Outcome {
	case OutcomeApproved:
		return checkout.ProviderResult{Status: checkout.PaymentSucceeded, CardBrand: strings.ToLower(o.Brand), CardLast4: o.Last4}
	case OutcomeDeclined:
		code := o.Reason
		if code == "" {
			code = "card_declined"
		}
		return checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: code, FailureMessage: "The card was declined at the counter."}
	}
	return checkout.ProviderResult{Status: checkout.PaymentCanceled, FailureCode: "device_canceled", FailureMessage: "The payment was canceled at the counter."}
}

// pushOf is session sess's payment waiting on device id.
func (s *Service) pushOf(ctx context.Context, sess *checkout.Session, id string) (*checkout.Payment, error) {
	lp := checkout.ListParams{Limit: 20}
	page, err := s.store.ListPayments(ctx, sess.Scope(), checkout.PaymentFilter{ListParams: lp, SessionID: sess.ID})
	if err != nil {
		return nil, err
	}
	for _, p := range page.Items {
		if pushedTo(p, id) {
			return p, nil
		}
	}
	return nil, checkout.Errorf(checkout.KindNotFound, "device_push_missing", "no payment of checkout session %s is waiting on this device", sess.ID)
}

// pushed is called once payment p, just recorded, waits on its device: the
// device's streams on this replica are woken (others find it by polling),
// and a test device plays its part.
func (s *Service) pushed(p *checkout.Payment) {
	id := p.Action.Device.DeviceID
	s.devices.wake(p.Scope(), id)
	var res checkout.ProviderResult
	var delay time.Duration
	switch id {
	case checkout.TestDeviceApprove:
		res, delay = DeviceOutcome{Outcome: OutcomeApproved, Brand: "visa", Last4: "4242"}.result(), testDeviceDelay
	case checkout.TestDeviceDecline:
		res, delay = DeviceOutcome{Outcome: OutcomeDeclined, Reason: "card_declined"}.result(), testDeviceDelay/2
	default: // dev_test_timeout never answers; a real device answers itself
		return
	}
	if p.Livemode {
		return
	}
	time.AfterFunc(delay, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// A payment whose provider decides it (Stripe's, with test keys)
		// is never settled by a simulated device's word: the fixed test
		// devices play their part for the simulator's payments only.
		if prov, err := s.providerOf(ctx, p); err != nil {
			return
		} else if _, decides := prov.(checkout.Poller); decides {
			return
		}
		// Nor once the push has ended (its session ended, called off): a
		// device answers only what it is still shown.
		if cur, err := s.store.FindPayment(ctx, p.ID); err != nil || !pushedTo(cur, id) {
			return
		}
		_, err := s.ApplyProviderResult(ctx, p.Scope(), p.Provider, checkout.Notification{PaymentID: p.ID, Result: res})
		if err != nil && !checkout.IsKind(err, checkout.KindState) {
			s.log.Error("test device: the outcome could not be recorded", "payment", p.ID, "device", id, "err", err)
		}
	})
}

// WaitDevicePush returns a channel closed at the next push to device id of
// scope on this replica, and a function to stop waiting.
func (s *Service) WaitDevicePush(scope checkout.Scope, id string) (<-chan struct{}, func()) {
	return s.devices.wait(scope, id)
}

// deviceHub wakes the streams of devices on this replica when a push is
// recorded here. It is only a shortcut: a stream also polls the store, so
// pushes made on another replica reach it too.
type deviceHub struct {
	mu      sync.Mutex
	waiters map[string]map[chan struct{}]struct{}
}

func newDeviceHub() *deviceHub { return &deviceHub{waiters: map[string]map[chan struct{}]struct{}{}} }

func hubKey(scope checkout.Scope, id string) string {
	mode := "test"
	if scope.Livemode {
		mode = "live"
	}
	return scope.AccountID + "/" + mode + "/" + id
}

func (h *deviceHub) wait(scope checkout.Scope, id string) (<-chan struct{}, func()) {
	k := hubKey(scope, id)
	ch := make(chan struct{})
	h.mu.Lock()
	if h.waiters[k] == nil {
		h.waiters[k] = map[chan struct{}]struct{}{}
	}
	h.waiters[k][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		if _, ok := h.waiters[k][ch]; ok {
			delete(h.waiters[k], ch)
			close(ch)
		}
		if len(h.waiters[k]) == 0 {
			delete(h.waiters, k)
		}
		h.mu.Unlock()
	}
}

func (h *deviceHub) wake(scope checkout.Scope, id string) {
	k := hubKey(scope, id)
	h.mu.Lock()
	for ch := range h.waiters[k] {
		close(ch)
	}
	delete(h.waiters, k)
	h.mu.Unlock()
}

// checkNoPush refuses a new payment of sess, by method, while one of its
// payments still waits on a device: a second push would put the session on
// the device twice, and a payment of another method beside it could be
// paid along with it. A push waits until it is reported, called off, or
// timed out; past its deadline one whose provider can still take money (a
// Canceler's intent, which the reconciler calls off at the deadline) still
// waits, until the reconciler has ended it.
func (s *Service) checkNoPush(ctx context.Context, sess *checkout.Session, method checkout.Method) error {
	page, err := s.store.ListPayments(ctx, sess.Scope(), checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 20}, SessionID: sess.ID})
	if err != nil {
		return err
	}
	now := s.now()
	for _, p := range page.Items {
		var waiting bool
		switch {
		case pushedTo(p, p.Action.DeviceID()):
			if waiting, err = s.pushWaits(ctx, p, now); err != nil {
				return err
			}
		case p.Method == checkout.MethodInStore && p.Status == checkout.PaymentProcessing && p.ProviderRef != "":
			// Undecided at its provider (a hand-off or a cancel that got
			// no answer): its intent may still take a card at the
			// counter until the reconciler decides it.
			waiting = true
		}
		if !waiting {
			continue
		}
		if method == checkout.MethodInStore {
			return &checkout.Error{Kind: checkout.KindState, Code: "payment_in_progress",
				Message: "this checkout session is already waiting on its in-store device; wait for it to answer or time out"}
		}
		return &checkout.Error{Kind: checkout.KindState, Code: "payment_in_progress", Param: "method",
			Message: "this checkout session is waiting for its payment at the in-store device: finish or cancel it there, or wait for it to time out, before paying with " + string(method)}
	}
	return nil
}

// pushWaits reports whether push p may still take money at now: before its
// deadline, or past it while its provider is one that could still take it
// (a Canceler) and the reconciler has not ended it yet. A provider that
// cannot be built now is taken to be one: the reconciler decides.
func (s *Service) pushWaits(ctx context.Context, p *checkout.Payment, now time.Time) (bool, error) {
	if now.Before(p.Action.ExpiresAt) {
		return true, nil
	}
	prov, err := s.providerOf(ctx, p)
	switch {
	case checkout.IsKind(err, checkout.KindState) || checkout.IsKind(err, checkout.KindNotFound):
		return true, nil
	case err != nil:
		return false, err
	}
	_, ok := prov.(checkout.Canceler)
	return ok, nil
}

// callOffPushes calls off the payments of session sess that still wait on
// a device, sess having ended (expired, canceled, or completed by another
// payment; why says which): at a provider that is a Canceler the intent is
// canceled, so that a card presented afterwards cannot pay a session that
// is over, and the payment is recorded canceled (session_unavailable: a
// success the cancel came too late for is recorded and refunded in full).
// Best effort, after the session's own write: one that cannot be called
// off now is logged and left waiting, and the reconciler calls it off at
// its deadline (SweepDuePayments), as a push that timed out.
func (s *Service) callOffPushes(ctx context.Context, sess *checkout.Session, why string) {
	// Only a session's own device is ever pushed to, and only a session
	// made with one has it: the rest have nothing to call off (and cost no
	// read when they end).
	if sess.CompanionDevice == "" {
		return
	}
	page, err := s.store.ListPayments(ctx, sess.Scope(), checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 100}, SessionID: sess.ID})
	if err != nil {
		s.log.Error("ended session: listing its in-store payments failed; the reconciler calls them off at their deadline", "session", sess.ID, "err", err)
		return
	}
	for _, p := range page.Items {
		if p.ID == sess.Payment || !pushedTo(p, p.Action.DeviceID()) {
			continue
		}
		_, err := s.callOff(ctx, p, checkout.ProviderResult{Status: checkout.PaymentCanceled, FailureCode: "session_unavailable",
			FailureMessage: "Canceled: " + why + "."})
		if err != nil && !checkout.IsKind(err, checkout.KindState) {
			s.log.Error("ended session: an in-store payment could not be called off; the reconciler tries again at its deadline",
				"session", sess.ID, "payment", p.ID, "err", safeError(err))
		}
	}
}

// checkPushDevice refuses an in_store payment of sess whose device is no
// longer active (revoked since the session named it): nothing is pushed
// to it. Test devices are always there. It returns the device's card
// reader at the provider ("" for a companion app or a test device), for
// the provider to hand the payment to.
func (s *Service) checkPushDevice(ctx context.Context, sess *checkout.Session) (string, error) {
	if sess.CompanionDevice == "" || checkout.IsTestDevice(sess.CompanionDevice) {
		return "", nil
	}
	d, err := s.GetDevice(ctx, sess.Scope(), sess.CompanionDevice)
	if err != nil && !checkout.IsKind(err, checkout.KindNotFound) {
		return "", err
	}
	if err != nil || d.Status != checkout.DeviceActive {
		return "", &checkout.Error{Kind: checkout.KindState, Code: "device_unavailable",
			Message: "this checkout session's in-store device is no longer available; choose another way to pay"}
	}
	return d.ReaderID, nil
}
