package service

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
)

// Pairing, following Square's device codes and Stripe's reader
// registration codes: the merchant creates a device and reads a short code
// off the answer; the device redeems it, once, within PairingCodeTTL, for
// its own long token.
const (
	PairingCodeTTL = 5 * time.Minute
	// MaxDeviceName bounds a device's name.
	MaxDeviceName = 100
	// pairingAlphabet leaves out 0/O and 1/I/L, which a person reading a
	// code off a screen confuses.
	pairingAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	pairingLen      = 10 // 31^10 ≈ 2^49.5
	// DeviceTokenPrefix starts every device token, so one found in a log
	// or a repository is recognised.
	DeviceTokenPrefix = "cdt_"
)

// NewDevice is a device just created, with its pairing code: the only time
// the code is seen.
type NewDevice struct {
	Device      *checkout.Device
	PairingCode string
}

// CreateDevice makes a device of scope named name, pending until its
// pairing code is redeemed.
func (s *Service) CreateDevice(ctx context.Context, scope checkout.Scope, name string) (*NewDevice, error) {
	name, err := deviceName(name)
	if err != nil {
		return nil, err
	}
	now := s.now()
	code := pairingCode()
	d := &checkout.Device{ID: s.ids.New("dev"), AccountID: scope.AccountID, Livemode: scope.Livemode, Name: name,
		Status: checkout.DevicePending, PairingHash: checkout.HashDeviceSecret(code), PairingExpires: now.Add(PairingCodeTTL),
		Version: 1, Created: now, Updated: now}
	if err := s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{d}}); err != nil {
		return nil, err
	}
	return &NewDevice{Device: d, PairingCode: formatPairingCode(code)}, nil
}

// CreateReaderDevice makes a device of scope that is the account's card
// reader readerID at the provider of its in_store payments in that mode
// (a Stripe Terminal reader: stripeReaderId). The provider paired the
// reader with the account, so the device is active at once: it has no
// pairing code and no token, and never calls checkoutd; a payment pushed
// to it is handed to the reader through the provider, which reports the
// outcome. Where that provider drives readers (a checkout.ReaderChecker)
// it checks the reader first, its shape and that the account has it, and
// one it refuses is refused; live mode needs one. In test mode without
// one there is nobody to ask: the device is taken as it is, and no
// session can use it until such a provider takes in_store
// (checkReaderReached).
func (s *Service) CreateReaderDevice(ctx context.Context, scope checkout.Scope, name, readerID string) (*checkout.Device, error) {
	name, err := deviceName(name)
	if err != nil {
		return nil, err
	}
	if readerID == "" || len(readerID) > 255 || strings.Trim(readerID, readerIDChars) != "" {
		return nil, checkout.Invalid("stripeReaderId", "parameter_invalid", "stripeReaderId must be a card reader's id at the payment provider, as a Stripe Terminal reader's tmr_…")
	}
	if err := s.checkReader(ctx, scope, readerID); err != nil {
		return nil, err
	}
	now := s.now()
	d := &checkout.Device{ID: s.ids.New("dev"), AccountID: scope.AccountID, Livemode: scope.Livemode, Name: name,
		Status: checkout.DeviceActive, ReaderID: readerID, PairedAt: now, Version: 1, Created: now, Updated: now}
	if err := s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{d}}); err != nil {
		return nil, err
	}
	return d, nil
}

// readerIDChars are the characters of a provider's id, which a reader's
// is; its exact shape is the provider's to check (ReaderChecker).
const readerIDChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

// checkReader asks the account's in_store provider of scope's mode, when
// it drives readers, whether it has reader id (see CreateReaderDevice).
func (s *Service) checkReader(ctx context.Context, scope checkout.Scope, id string) error {
	acct, err := s.account(ctx, scope.AccountID)
	if err != nil {
		return err
	}
	prov, err := s.providerFor(ctx, acct, scope.Livemode, "", checkout.MethodInStore)
	if err != nil && !checkout.IsKind(err, checkout.KindState) {
		return err
	}
	rc, ok := prov.(checkout.ReaderChecker)
	switch {
	case (err != nil || !ok) && scope.Livemode:
		return checkout.Invalid("stripeReaderId", "provider_not_configured",
			"a reader device needs a live provider of in_store payments that reaches card readers, to find the reader and pay through it: configure the stripe provider in live mode for in_store first")
	case err != nil || !ok:
		return nil
	}
	err = rc.CheckReader(ctx, id)
	var ce *checkout.Error
	if errors.As(err, &ce) && ce.Kind == checkout.KindInvalid {
		return checkout.Invalid("stripeReaderId", ce.Code, "%s", ce.Message)
	}
	return err
}

func deviceName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", checkout.Invalid("name", "parameter_missing", "a device needs a name")
	case !utf8.ValidString(name):
		return "", checkout.Invalid("name", "parameter_invalid", "name must be valid UTF-8")
	case utf8.RuneCountInString(name) > MaxDeviceName:
		return "", checkout.Invalid("name", "parameter_invalid", "name can have at most %d characters", MaxDeviceName)
	}
	return name, nil
}

// pairingCode is pairingLen characters of pairingAlphabet from crypto/rand,
// without modulo bias.
func pairingCode() string {
	out := make([]byte, 0, pairingLen)
	var buf [32]byte
	for len(out) < pairingLen {
		rand.Read(buf[:])
		for _, b := range buf {
			if int(b) < 256/len(pairingAlphabet)*len(pairingAlphabet) && len(out) < pairingLen {
				out = append(out, pairingAlphabet[int(b)%len(pairingAlphabet)])
			}
		}
	}
	return string(out)
}

// formatPairingCode groups a code for reading aloud: ABCDE-FGHJK.
func formatPairingCode(code string) string { return code[:5] + "-" + code[5:] }

// normalizePairingCode takes a code as a person typed it: any case, with
// or without its dash and spaces.
func normalizePairingCode(typed string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(typed))
}

// PairedDevice is a device just paired, with its token: the only time the
// token is seen.
type PairedDevice struct {
	Device *checkout.Device
	Token  string
}

// PairDevice redeems a pairing code for a device token. An unknown,
// used or expired code is KindNotFound, the same answer for each, so an
// answer tells a guesser nothing (the HTTP room also limits guesses).
func (s *Service) PairDevice(ctx context.Context, code string) (*PairedDevice, error) {
	norm := normalizePairingCode(code)
	if norm == "" {
		return nil, checkout.Invalid("code", "parameter_missing", "the pairing code is required")
	}
	if len(norm) != pairingLen || strings.Trim(norm, pairingAlphabet) != "" {
		return nil, checkout.Invalid("code", "parameter_invalid", "a pairing code is %d letters and digits, as XXXXX-XXXXX", pairingLen)
	}
	hash := checkout.HashDeviceSecret(norm)
	token := DeviceTokenPrefix + checkout.RandomString(43) // > 256 bits
	var d *checkout.Device
	err := retryCAS(func() error {
		o, err := s.store.FindObject(ctx, checkout.DeviceKind, checkout.DevicePairingKey(hash))
		if err != nil {
			return err
		}
		d = o.(*checkout.Device).Clone()
		now := s.now()
		// The stored hash is compared again: a store may still find a
		// device by a key it has since dropped.
		if d.Status != checkout.DevicePending || subtle.ConstantTimeCompare([]byte(d.PairingHash), []byte(hash)) != 1 || !now.Before(d.PairingExpires) {
			return checkout.ErrNotFound
		}
		d.Status, d.PairingHash, d.PairingExpires = checkout.DeviceActive, "", time.Time{}
		d.TokenHash, d.PairedAt = checkout.HashDeviceSecret(token), now
		d.Version++
		d.Updated = now
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{d}})
	})
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.Errorf(checkout.KindNotFound, "pairing_code_invalid", "this pairing code is unknown, used or expired: create the device again for a new one")
	}
	if err != nil {
		return nil, err
	}
	return &PairedDevice{Device: d, Token: token}, nil
}

// DeviceByToken returns the active device whose token is token;
// KindUnauthorized for any other token (unknown, revoked, malformed).
func (s *Service) DeviceByToken(ctx context.Context, token string) (*checkout.Device, error) {
	bad := checkout.Errorf(checkout.KindUnauthorized, "device_token_invalid", "the device token is invalid or revoked")
	if !strings.HasPrefix(token, DeviceTokenPrefix) || len(token) > 200 {
		return nil, bad
	}
	hash := checkout.HashDeviceSecret(token)
	o, err := s.store.FindObject(ctx, checkout.DeviceKind, checkout.DeviceTokenKey(hash))
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	d := o.(*checkout.Device)
	if d.Status != checkout.DeviceActive || subtle.ConstantTimeCompare([]byte(d.TokenHash), []byte(hash)) != 1 {
		return nil, bad
	}
	return d, nil
}

// GetDevice returns a device of scope.
func (s *Service) GetDevice(ctx context.Context, scope checkout.Scope, id string) (*checkout.Device, error) {
	o, err := s.store.GetObject(ctx, scope, checkout.DeviceKind, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "device", id)
	}
	if err != nil {
		return nil, err
	}
	return o.(*checkout.Device), nil
}

// ListDevices returns one page of scope's devices, newest first.
func (s *Service) ListDevices(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.Device], error) {
	if err := checkList(&p); err != nil {
		return checkout.Page[*checkout.Device]{}, err
	}
	page, err := s.store.ListObjects(ctx, scope, checkout.DeviceKind, p)
	if err != nil {
		return checkout.Page[*checkout.Device]{}, err
	}
	out := checkout.Page[*checkout.Device]{HasMore: page.HasMore, Items: make([]*checkout.Device, len(page.Items))}
	for i, o := range page.Items {
		out.Items[i] = o.(*checkout.Device)
	}
	return out, nil
}

// RenameDevice gives a device of scope a new name.
func (s *Service) RenameDevice(ctx context.Context, scope checkout.Scope, id, name string) (*checkout.Device, error) {
	name, err := deviceName(name)
	if err != nil {
		return nil, err
	}
	return s.updateDevice(ctx, scope, id, func(d *checkout.Device) error {
		d.Name = name
		return nil
	})
}

// RevokeDevice ends a device of scope: its token answers 401 from then on,
// and a pending pairing code can no longer be redeemed. Revoking twice is
// the same as once.
func (s *Service) RevokeDevice(ctx context.Context, scope checkout.Scope, id string) (*checkout.Device, error) {
	d, err := s.updateDevice(ctx, scope, id, func(d *checkout.Device) error {
		if d.Status == checkout.DeviceRevoked {
			return errDeviceUnchanged
		}
		d.Status, d.PairingHash, d.PairingExpires, d.RevokedAt = checkout.DeviceRevoked, "", time.Time{}, s.now()
		return nil
	})
	if err == nil {
		// Its open streams look again at once, and end (DeviceActive);
		// another replica's at their next poll.
		s.devices.wake(scope, id)
		s.cancelPushes(ctx, scope, id)
	}
	return d, err
}

// cancelPushes ends the payments waiting on device id, just revoked: it
// can no longer report them, so their sessions are freed now rather than
// at the push timeout. Canceled, not failed: no card was declined. Every
// push still waiting at its provider is called off, also one the device
// is no longer shown (timed out, or of a session that ended) whose intent
// the reconciler has not canceled yet. Best effort: a push missed here is
// called off by the sweep at its deadline (and a report of it is refused,
// the token being revoked).
func (s *Service) cancelPushes(ctx context.Context, scope checkout.Scope, id string) {
	pushes, err := s.devicePushes(ctx, scope, id, false)
	if err != nil {
		s.log.Error("revoked device: listing its pushes failed", "device", id, "err", err)
		return
	}
	for _, p := range pushes {
		// Called off at the provider too (a reader's intent), so that a
		// card presented after the revocation cannot pay it.
		_, err := s.callOff(ctx, p.Payment, checkout.ProviderResult{Status: checkout.PaymentCanceled, FailureCode: "device_revoked",
			FailureMessage: "The in-store device was revoked before it answered."})
		if err != nil && !checkout.IsKind(err, checkout.KindState) {
			s.log.Error("revoked device: canceling a push failed", "device", id, "payment", p.Payment.ID, "err", err)
		}
	}
}

// DeviceActive reports whether device id of scope is still active: a
// device's open stream asks it at each look, so one revoked meanwhile
// gets no more pushes.
func (s *Service) DeviceActive(ctx context.Context, scope checkout.Scope, id string) (bool, error) {
	d, err := s.GetDevice(ctx, scope, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return d.Status == checkout.DeviceActive, nil
}

// errDeviceUnchanged tells updateDevice that nothing is to be written.
var errDeviceUnchanged = &checkout.Error{Kind: checkout.KindInternal, Code: "unchanged"}

func (s *Service) updateDevice(ctx context.Context, scope checkout.Scope, id string, change func(*checkout.Device) error) (*checkout.Device, error) {
	var d *checkout.Device
	err := retryCAS(func() error {
		cur, err := s.GetDevice(ctx, scope, id)
		if err != nil {
			return err
		}
		d = cur.Clone()
		if err := change(d); err != nil {
			return err
		}
		d.Version++
		d.Updated = s.now()
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{d}})
	})
	if err == errDeviceUnchanged {
		return s.GetDevice(ctx, scope, id)
	}
	return d, err
}

// checkCompanionDevice checks the device a session of scope names: one of
// the account's active devices in that mode, or, in test mode, a test
// device.
func (s *Service) checkCompanionDevice(ctx context.Context, scope checkout.Scope, id string) error {
	if checkout.IsTestDevice(id) {
		if scope.Livemode {
			return checkout.Invalid("companion_device", "device_invalid", "'%s' is a test device: it takes test-mode sessions only", id)
		}
		return nil
	}
	d, err := s.GetDevice(ctx, scope, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return checkout.Invalid("companion_device", "device_invalid", "no device '%s' in this account and mode", id)
	}
	if err != nil {
		return err
	}
	if d.Status != checkout.DeviceActive {
		return checkout.Invalid("companion_device", "device_invalid", "device '%s' is %s, not active", id, d.Status)
	}
	return nil
}

// setCompanionDevice checks and sets the device of a new session: named
// exactly when in_store is one of its methods.
func (s *Service) setCompanionDevice(ctx context.Context, scope checkout.Scope, sess *checkout.Session, id string) error {
	inStore := slices.Contains(sess.PaymentMethodTypes, string(checkout.MethodInStore))
	switch {
	case id == "" && inStore:
		return checkout.Invalid("companion_device", "parameter_missing", "a session with the in_store method names the device to push it to")
	case id == "":
		return nil
	case !inStore:
		return checkout.Invalid("companion_device", "parameter_unexpected", "companion_device goes with the in_store payment method only")
	}
	if err := s.checkCompanionDevice(ctx, scope, id); err != nil {
		return err
	}
	if err := s.checkReaderReached(ctx, scope, sess, id); err != nil {
		return err
	}
	sess.CompanionDevice = id
	return nil
}

// checkReaderReached refuses device id for session sess when it is a card
// reader that the session's in_store provider cannot drive (one that is
// not a checkout.ReaderChecker, as the simulator): the reader has no token
// to report with, so its payments would wait unanswered until they time
// out.
func (s *Service) checkReaderReached(ctx context.Context, scope checkout.Scope, sess *checkout.Session, id string) error {
	if checkout.IsTestDevice(id) {
		return nil
	}
	d, err := s.GetDevice(ctx, scope, id)
	if err != nil || d.ReaderID == "" {
		return err
	}
	acct, err := s.account(ctx, scope.AccountID)
	if err != nil {
		return err
	}
	prov, err := s.providerFor(ctx, acct, scope.Livemode, sess.Provider, checkout.MethodInStore)
	if err != nil && !checkout.IsKind(err, checkout.KindState) {
		return err
	}
	if _, drives := prov.(checkout.ReaderChecker); err != nil || !drives {
		return checkout.Invalid("companion_device", "device_unsupported",
			"device '%s' is a card reader, and this session's in_store payments go to a provider that cannot reach card readers: configure the provider of the reader (stripe) for in_store", id)
	}
	return nil
}

// pushAtCreation pushes a new session whose only method is in_store to its
// device at once: nobody will choose it on a page. A push that fails
// leaves the session open, as a failed attempt does; the error is logged.
func (s *Service) pushAtCreation(ctx context.Context, sess *checkout.Session) (*checkout.Session, error) {
	if len(sess.PaymentMethodTypes) != 1 || sess.PaymentMethodTypes[0] != string(checkout.MethodInStore) {
		return sess, nil
	}
	pushed, _, err := s.Pay(ctx, sess.ID, PayParams{Method: checkout.MethodInStore})
	if err != nil {
		s.log.Error("in_store session: the push to its device failed", "session", sess.ID, "err", safeError(err))
		return sess, nil
	}
	return pushed, nil
}
