package checkout

import "time"

// ProviderNotificationKind is the ObjectKind of a ProviderNotification.
const ProviderNotificationKind = "provider_notification"

// NotificationOutcome is what a verified gateway result did.
type NotificationOutcome string

const (
	// NotificationApplied: the result changed its payment.
	NotificationApplied NotificationOutcome = "applied"
	// NotificationDuplicate: the gateway's event was recorded before (a
	// retry, or the same delivery to two replicas); it changed nothing
	// again. A duplicate is answered, never stored a second time.
	NotificationDuplicate NotificationOutcome = "duplicate"
	// NotificationUnknownPayment: no payment of the account, mode and
	// provider that verified the message matches it.
	NotificationUnknownPayment NotificationOutcome = "unknown_payment"
	// NotificationAlreadyFinal: the payment had ended (paid, failed, a
	// voucher expired) before the result came.
	NotificationAlreadyFinal NotificationOutcome = "already_final"
	// NotificationWrongAmount: the gateway says another amount was paid
	// than the payment's; nothing is changed, for a person to look at.
	NotificationWrongAmount NotificationOutcome = "wrong_amount"
	// NotificationIgnored: the result carries no payment state.
	NotificationIgnored NotificationOutcome = "ignored"
)

// ProviderNotification records one verified result a gateway told
// checkoutd of, and what it did. It is written in the same Commit as the
// payment change it causes (or alone when it changes nothing), and its
// lookup key makes a gateway's event count once however often it is
// delivered: a second commit with the same key conflicts.
type ProviderNotification struct {
	ID          string
	AccountID   string
	Livemode    bool
	Provider    string
	EventID     string // the gateway's id of the message; "" when it has none
	ProviderRef string
	PaymentID   string // the payment it matched, if any
	Amount      int64  // what the gateway said was paid; 0 when it did not say
	Status      PaymentState
	Outcome     NotificationOutcome
	Received    time.Time
	Version     int64
}

// NotificationEventKey is the lookup key of a notification of provider's
// event eventID for an account in a mode. It is scoped because one gateway
// account may serve two checkoutd accounts (a Stripe account with a
// webhook endpoint for each): both receive the same event id, and the
// first to record it must not make the other's a duplicate.
func NotificationEventKey(provider string, scope Scope, eventID string) string {
	return "provevt:" + provider + ":" + scope.AccountID + ":" + modeWord(scope.Livemode) + ":" + eventID
}

func modeWord(livemode bool) string {
	if livemode {
		return "live"
	}
	return "test"
}

// ObjectKind implements Object.
func (n *ProviderNotification) ObjectKind() string { return ProviderNotificationKind }

// ObjectID implements Object.
func (n *ProviderNotification) ObjectID() string { return n.ID }

// Scope implements Object.
func (n *ProviderNotification) Scope() Scope {
	return Scope{AccountID: n.AccountID, Livemode: n.Livemode}
}

// ObjectVersion implements Object.
func (n *ProviderNotification) ObjectVersion() int64 { return n.Version }

// ObjectCreated implements Object.
func (n *ProviderNotification) ObjectCreated() time.Time { return n.Received }

// LookupKeys implements Object: the gateway's event, when it names one.
func (n *ProviderNotification) LookupKeys() []string {
	if n.EventID == "" {
		return nil
	}
	return []string{NotificationEventKey(n.Provider, n.Scope(), n.EventID)}
}
