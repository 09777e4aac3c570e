package checkout

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// MethodInStore is a card presented at the counter: the payment is pushed
// to an in-store companion device (a reader, or a phone running the
// /terminal page), which reports the outcome.
const MethodInStore Method = "in_store"

// DeviceKind is the ObjectKind of a Device.
const DeviceKind = "device"

// DeviceStatus is where a device is in its life: pending until a pairing
// code is redeemed, active once paired, revoked for ever after.
type DeviceStatus string

const (
	DevicePending DeviceStatus = "pending"
	DeviceActive  DeviceStatus = "active"
	DeviceRevoked DeviceStatus = "revoked"
)

// Test devices: fixed ids every test-mode account may name without
// pairing (as Square's sandbox device ids), each with a fixed outcome, so
// an integration can exercise in-store payments with no hardware.
const (
	TestDeviceApprove = "dev_test_approve"
	TestDeviceDecline = "dev_test_decline"
	TestDeviceTimeout = "dev_test_timeout"
)

// IsTestDevice reports whether id is one of the fixed test devices.
func IsTestDevice(id string) bool {
	return id == TestDeviceApprove || id == TestDeviceDecline || id == TestDeviceTimeout
}

// Device is an in-store companion device paired to an account and mode.
// Its secrets are kept only as SHA-256 hashes: the pairing code (short,
// typed by a person, valid a few minutes, once) and the device token (long
// and random, shown once when the code is redeemed). A hash of the token
// finds the device (LookupKeys), so a request's token is checked without
// the store ever holding one.
type Device struct {
	ID        string
	AccountID string
	Livemode  bool
	Name      string
	Status    DeviceStatus
	// PairingHash is the hash of the pairing code while it can be
	// redeemed; cleared when it is, so a code works once.
	PairingHash    string
	PairingExpires time.Time
	// TokenHash is the hash of the device token, once paired.
	TokenHash string
	PairedAt  time.Time
	RevokedAt time.Time
	// ReaderID is the card reader this device is at its payment provider
	// (a Stripe Terminal reader, tmr_…), for a device the provider itself
	// drives: such a device is active from its creation, has no pairing
	// code and no token (it never calls checkoutd), and its payments are
	// handed to the reader through the provider. Empty for a companion
	// app, which pairs and reports itself.
	ReaderID string

	Version int64
	Created time.Time
	Updated time.Time
}

// ObjectKind implements Object.
func (d *Device) ObjectKind() string { return DeviceKind }

// ObjectID implements Object.
func (d *Device) ObjectID() string { return d.ID }

// Scope implements Object.
func (d *Device) Scope() Scope { return Scope{AccountID: d.AccountID, Livemode: d.Livemode} }

// ObjectVersion implements Object.
func (d *Device) ObjectVersion() int64 { return d.Version }

// ObjectCreated implements Object.
func (d *Device) ObjectCreated() time.Time { return d.Created }

// LookupKeys implements Object: the pairing code's hash while it may be
// redeemed (pairing is global: the device knows no account yet), and the
// token's once paired. The keys are hashes of secrets, never secrets.
func (d *Device) LookupKeys() []string {
	var keys []string
	if d.PairingHash != "" {
		keys = append(keys, DevicePairingKey(d.PairingHash))
	}
	if d.TokenHash != "" {
		keys = append(keys, DeviceTokenKey(d.TokenHash))
	}
	return keys
}

// DevicePairingKey is the lookup key of the device whose pairing code
// hashes to hash.
func DevicePairingKey(hash string) string { return "devpair:" + hash }

// DeviceTokenKey is the lookup key of the device whose token hashes to hash.
func DeviceTokenKey(hash string) string { return "devtok:" + hash }

// HashDeviceSecret is the stored form of a pairing code or device token.
// Unsalted SHA-256 is enough for the token (256 random bits); a pairing
// code is short but lives five minutes and works once.
func HashDeviceSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Clone returns a copy.
func (d *Device) Clone() *Device { c := *d; return &c }
