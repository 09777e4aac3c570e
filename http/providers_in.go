package http

import (
	"fmt"
	"math"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// MaxNotificationBytes bounds a gateway's message. Stripe's events and the
// Multibanco gateways' notifications are a few KiB; a larger body is not a
// gateway's and is refused before any provider reads it.
const MaxNotificationBytes = 64 << 10

// notificationReply is what a gateway gets for a message that verified:
// always 200, whatever the results did (a payment unknown, final, or of
// another amount), so that it stops delivering it. The outcomes are for a
// person reading the gateway's delivery log.
type notificationReply struct {
	Received bool     `json:"received"`
	Outcomes []string `json:"outcomes"`
}

// receiveNotification takes a gateway's message about an account's
// payments: POST /providers/stripe/{account}/webhooks,
// POST /providers/easypay/{account}/notifications,
// GET /providers/ifthenpay/{account}/callback, and the same for any
// provider name, whose provider reads the message (the last segment is the
// gateway's own name for it and is not checked). No API key: the provider
// verifies the message itself. Unknown account or provider → 404; a message
// no mode of the account verifies → 400 (a gateway retries it, which is
// right for a forgery); a gateway the provider could not ask back → 500,
// so that the gateway delivers it again.
//
// A message that does not verify counts as a failed authentication of its
// address for that account (--auth-failure-limit): a forged key or signature is a guess, and
// each forgery may cost a call to the gateway (Easypay's are asked back).
// A gateway's own messages verify, so they are never throttled.
func (s *Server) receiveNotification(w http.ResponseWriter, r *http.Request) {
	// Counted per address and account: a gateway delivers every tenant's
	// messages from a few addresses, so one tenant's stale signing secret
	// (or a forger aiming at it) must not throttle the others'.
	client := limitKey(s.clientIP(r)) + " " + r.PathValue("account")
	if ok, wait := s.authLimit.reserve(r.Context(), client, s.svc.Now); !ok {
		if r.ContentLength != 0 {
			discardRest(nil, r, r.Body, 0)
		}
		w.Header().Set("Retry-After", fmt.Sprint(max(1, int(math.Ceil(wait.Seconds())))))
		s.writeError(w, r, &checkout.Error{Kind: checkout.KindRateLimited, Code: "rate_limit",
			Message: "Too many unverified messages from this address. Retry after the Retry-After delay."})
		return
	}
	failed := false
	defer func() { s.authLimit.settle(client, failed, s.svc.Now()) }()
	body, err := readBodyMax(w, r, MaxNotificationBytes, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := s.svc.ReceiveNotification(r.Context(), r.PathValue("account"), r.PathValue("name"),
		checkout.Inbound{Method: r.Method, Query: r.URL.Query(), Header: r.Header, Body: body})
	if checkout.IsKind(err, checkout.KindUnauthorized) {
		failed = true
		// Bad input from the network, not a caller's missing key: 400.
		err = &checkout.Error{Kind: checkout.KindInvalid, Code: "notification_unverified", Message: err.(*checkout.Error).Message}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reply := notificationReply{Received: true, Outcomes: outcomeNames(rec)}
	s.writeJSON(w, http.StatusOK, reply)
}

func outcomeNames(rec *service.NotificationReceipt) []string {
	out := make([]string, 0, len(rec.Outcomes))
	for _, o := range rec.Outcomes {
		out = append(out, string(o))
	}
	return out
}
