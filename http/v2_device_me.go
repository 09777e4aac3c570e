package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// A paired device's own API, /v2/devices/me/…, authenticated by its token
// (Authorization: Bearer cdt_…): the payments pushed to it, as a list to
// poll or a stream of server-sent events, and its report of each. A device
// reads only its own account's and mode's sessions, and only those pushed
// to it.

// deviceFunc is the handler of a route a device calls.
type deviceFunc func(w http.ResponseWriter, r *http.Request, d *checkout.Device)

// deviceAuthed checks the device token under the address's guessing
// budget and runs h for an active device; any other token is a 401.
func (s *Server) deviceAuthed(h deviceFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := bearer(r)
		var d *checkout.Device
		var err error
		if !s.guarded(w, r, "device", func() bool {
			d, err = s.svc.DeviceByToken(context.WithoutCancel(r.Context()), token)
			// A missing token is not a guess.
			return checkout.IsKind(err, checkout.KindUnauthorized) && token != ""
		}) {
			return
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="checkoutd devices"`)
			s.writeError(w, r, err)
			return
		}
		h(w, r, d)
	})
}

// bearer is the token of an Authorization: Bearer header; "" without one.
func bearer(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

// v2Push is a payment pushed to a device, with what it shows the customer.
type v2Push struct {
	SessionID   string       `json:"sessionId"`
	PaymentID   string       `json:"paymentId"`
	AmountMinor int64        `json:"amountMinor"`
	Currency    string       `json:"currency"`
	Description string       `json:"description,omitempty"`
	Items       []v2PushItem `json:"items"`
	PushedAt    string       `json:"pushedAt"`
	ExpiresAt   string       `json:"expiresAt"`
	// Provider is who takes the payment (sim, stripe). For a payment a
	// companion app collects with the provider's own SDK (Stripe
	// Terminal's), ProviderReference is its PaymentIntent, which an
	// approval reports back as reference, and ClientSecret what the SDK
	// retrieves it with.
	Provider          string `json:"provider"`
	ProviderReference string `json:"providerReference,omitempty"`
	ClientSecret      string `json:"clientSecret,omitempty"`
}

type v2PushItem struct {
	Name        string `json:"name"`
	Quantity    int64  `json:"quantity"`
	AmountMinor int64  `json:"amountMinor"`
}

func renderV2Push(p service.DevicePush) v2Push {
	out := v2Push{SessionID: p.Session.ID, PaymentID: p.Payment.ID, AmountMinor: p.Payment.Amount,
		Currency: string(p.Payment.Currency), Description: p.Session.Description, Items: []v2PushItem{},
		PushedAt: rfc3339(p.Payment.Created), ExpiresAt: rfc3339(p.Payment.Action.ExpiresAt), Provider: p.Payment.Provider}
	if h := p.Payment.Action.Device; h != nil && h.ClientSecret != "" {
		out.ProviderReference, out.ClientSecret = p.Payment.ProviderRef, h.ClientSecret
	}
	for _, li := range p.Session.LineItems {
		out.Items = append(out.Items, v2PushItem{Name: li.Name, Quantity: li.Quantity, AmountMinor: li.AmountTotal})
	}
	return out
}

// deviceCheckouts is GET /v2/devices/me/checkouts: the payments waiting on
// the device, oldest first.
func (s *Server) deviceCheckouts(w http.ResponseWriter, r *http.Request, d *checkout.Device) {
	r = r.WithContext(context.WithoutCancel(r.Context()))
	pushes, err := s.svc.DevicePushes(r.Context(), d.Scope(), d.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	data := make([]v2Push, len(pushes))
	for i, p := range pushes {
		data[i] = renderV2Push(p)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, http.StatusOK, v2List{Data: data})
}

// Device stream timing; variables so that tests could shorten them.
var (
	// devicePollInterval is how often a stream looks in the store, for
	// pushes made on another replica (this one's wake it at once).
	devicePollInterval = 2 * time.Second
	deviceKeepAlive    = 15 * time.Second
)

// deviceStream is GET /v2/devices/me/stream: server-sent events, one
// "checkout" event per push as it happens (the ones waiting when the
// stream opens first), heartbeats, and a clean end at shutdown.
//
//	id: pay_…
//	event: checkout
//	data: {…as in GET /v2/devices/me/checkouts…}
func (s *Server) deviceStream(w http.ResponseWriter, r *http.Request, d *checkout.Device) {
	conn := r.Context() // the connection's, done at hang-up
	// Store calls run detached from it, as every API call does.
	r = r.WithContext(context.WithoutCancel(conn))
	rc, shutdown, ok := s.openStream(w, r)
	if !ok {
		return
	}
	sent := map[string]bool{}
	send := func() bool {
		// A device revoked since the stream opened gets nothing more:
		// the stream ends (its token answers 401 from then on).
		if active, err := s.svc.DeviceActive(r.Context(), d.Scope(), d.ID); err != nil || !active {
			return false
		}
		pushes, err := s.svc.DevicePushes(r.Context(), d.Scope(), d.ID)
		if err != nil {
			s.log.Error("device stream: listing pushes failed", "err", err, "request_id", requestID(r.Context()))
			return false
		}
		for _, p := range pushes {
			if sent[p.Payment.ID] {
				continue
			}
			b, err := json.Marshal(renderV2Push(p))
			if err != nil {
				return false
			}
			if _, err := fmt.Fprintf(w, "id: %s\nevent: checkout\ndata: %s\n\n", p.Payment.ID, b); err != nil {
				return false
			}
			sent[p.Payment.ID] = true
		}
		return rc.Flush() == nil
	}
	s.followDevice(conn, shutdown, w, rc, d, send)
}

// followDevice runs a device's stream: look is called, then the stream
// waits for a push to the device on this replica, the poll (a push made on
// another) or the keep-alive it writes, and again, until look answers false,
// the client hangs up or the server shuts down. Waiting is registered before
// each look, so a push recorded between a look and the wait is not missed
// until the next poll.
func (s *Server) followDevice(conn context.Context, shutdown <-chan struct{}, w io.Writer, rc *http.ResponseController, d *checkout.Device, look func() bool) {
	poll := time.NewTicker(devicePollInterval)
	defer poll.Stop()
	keepAlive := time.NewTicker(deviceKeepAlive)
	defer keepAlive.Stop()
	for {
		woken, stop := s.svc.WaitDevicePush(d.Scope(), d.ID)
		if !look() {
			stop()
			return
		}
		select {
		case <-conn.Done():
			stop()
			return
		case <-shutdown:
			stop()
			return
		case <-woken:
		case <-poll.C:
		case <-keepAlive.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				stop()
				return
			}
		}
		stop()
	}
}

// deviceResult is POST /v2/devices/me/checkouts/{sessionId}/result.
func (s *Server) deviceResult(w http.ResponseWriter, r *http.Request, d *checkout.Device) {
	// A report is not cut in half by a hang-up.
	r = r.WithContext(context.WithoutCancel(r.Context()))
	v, err := requestParams(r)
	if err != nil {
		s.writeError(w, r, v2Error(v2Decoded(err))) // named as sent
		return
	}
	// The device's report on the payment pushed to it.
	var o service.DeviceOutcome
	o.Outcome, _ = v.String("outcome")
	o.Brand, _ = v.String("brand")
	o.Last4, _ = v.String("last4")
	o.Reference, _ = v.String("reference")
	o.Reason, _ = v.String("reason")
	if err := v.Err(); err != nil {
		s.writeError(w, r, v2Error(v2Decoded(err))) // named as sent
		return
	}
	p, err := s.svc.ReportDeviceResult(r.Context(), d, r.PathValue("sessionId"), o)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, v2Data{Data: map[string]any{
		"sessionId": p.SessionID, "paymentId": p.ID, "status": p.Status, "failureCode": p.FailureCode}})
}
