package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
)

// providerNotificationJSON is the API's shape of a recorded gateway result
// (a checkout.ProviderNotification).
type providerNotificationJSON struct {
	ID          string  `json:"id"`
	Object      string  `json:"object"`
	Livemode    bool    `json:"livemode"`
	Provider    string  `json:"provider"`
	EventID     *string `json:"event_id"`
	ProviderRef *string `json:"provider_ref"`
	Payment     *string `json:"payment"`
	Amount      *int64  `json:"amount"`
	Status      *string `json:"status"`
	Outcome     string  `json:"outcome"`
	CreatedAt   string  `json:"created_at"`
}

func renderProviderNotification(n *checkout.ProviderNotification) *providerNotificationJSON {
	j := &providerNotificationJSON{ID: n.ID, Object: "provider_notification", Livemode: n.Livemode, Provider: n.Provider,
		EventID: orNull(n.EventID), ProviderRef: orNull(n.ProviderRef), Payment: orNull(n.PaymentID),
		Status: orNull(string(n.Status)), Outcome: string(n.Outcome), CreatedAt: rfc3339(n.Received)}
	if n.Amount != 0 {
		j.Amount = &n.Amount
	}
	return j
}

// orNull is s, or null for "".
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// listProviderNotifications lists the gateway results recorded for the
// key's account and mode: GET /v1/provider_notifications.
func (s *Server) listProviderNotifications(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/provider_notifications", onlyCursor, s.svc.ListProviderNotifications, renderProviderNotification)
}
