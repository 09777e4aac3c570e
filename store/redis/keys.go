package redis

import "github.com/checkoutd/checkoutd/checkout"

// keys names the keys Go reads directly; the scripts build the rest the
// same way from the prefix (see the package doc and lua/prelude.lua).
type keys struct{ p string }

// object is the key of the object of kind ("session", "payment", …) with id.
func (k keys) object(kind, id string) string { return k.p + kind + ":" + id }

func (k keys) session(id string) string { return k.object("session", id) }

func (k keys) apiKey(hashHex string) string { return k.object("apikey", hashHex) }

// scoped is the index of the scope's objects of a kind ("sessions", …).
func (k keys) scoped(kind string, sc checkout.Scope) string {
	return k.p + kind + ":" + sc.AccountID + ":" + mode(sc.Livemode)
}

func (k keys) accounts() string { return k.p + "accounts" }

func (k keys) deliveries(eventID string) string { return k.p + "deliveries:" + eventID }

func (k keys) dueSessions() string { return k.p + "due:sessions" }

func (k keys) duePayments() string { return k.p + "due:payments" }

// mode is how keys and scripts spell a scope's mode.
func mode(livemode bool) string {
	if livemode {
		return "1"
	}
	return "0"
}
