package checkout

import "time"

// Event is an immutable record of one change, written in the same atomic write
// as the change itself. Receivers dedupe on ID and order updates of one object
// by Sequence.
type Event struct {
	ID        string
	AccountID string
	Livemode  bool
	Type      string
	Created   time.Time
	// Sequence numbers the events of one object (ObjectID) from 1, without gaps;
	// for an endpoint's events it is the endpoint's Version, which only grows.
	Sequence int64
	ObjectID string
	// Session is the snapshot of the session right after the change, for
	// session events.
	Session *Session
	// Payment is the snapshot of the payment right after the change, for
	// payment.* events. An event may carry either snapshot, or both.
	Payment *Payment
	// Endpoint is the snapshot of a webhook endpoint right after the
	// change, for webhook_endpoint.* events; never with its Secrets. Such an
	// event is written just after its change, not with it (see
	// service.endpointHealth): the Store writes endpoints on their own.
	Endpoint *WebhookEndpoint `json:",omitempty"`
	// Object is the snapshot of a generic object (a payment link, a
	// refund) right after the change, for its kind's events; a
	// payment.refunded event carries the refund that succeeded here,
	// beside the payment.
	Object Object `json:",omitempty"`
}
