package http

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

type endpointJSON struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	Livemode       bool              `json:"livemode"`
	URL            string            `json:"url"`
	EnabledEvents  []string          `json:"enabled_events"`
	Description    *string           `json:"description"`
	Metadata       map[string]string `json:"metadata"`
	Status         string            `json:"status"`
	DisabledReason *string           `json:"disabled_reason"`
	// Format is the shape of the event bodies it receives: canonical or
	// checkout_sessions (seed 003's session shape).
	Format string `json:"format"`
	// Secret is set only in the answers that make one (create, rotate).
	Secret    string `json:"secret,omitempty"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func renderEndpoint(e *checkout.WebhookEndpoint, secret string) *endpointJSON {
	status := "enabled"
	if e.Disabled {
		status = "disabled"
	}
	md := e.Metadata
	if md == nil {
		md = map[string]string{}
	}
	return &endpointJSON{ID: e.ID, Object: "webhook_endpoint", Livemode: e.Livemode, URL: e.URL,
		EnabledEvents: e.EnabledEvents, Description: optString(e.Description), Metadata: md, Status: status,
		DisabledReason: optString(e.DisabledReason), Format: e.BodyFormat(), Secret: secret, CreatedAt: rfc3339(e.Created), UpdatedAt: rfc3339(e.Updated)}
}

type deliveryJSON struct {
	ID              string        `json:"id"`
	Object          string        `json:"object"`
	Event           string        `json:"event"`
	WebhookEndpoint string        `json:"webhook_endpoint"`
	Status          string        `json:"status"`
	NextAttemptAt   *string       `json:"next_attempt_at"`
	Attempts        []attemptJSON `json:"attempts"`
	CreatedAt       string        `json:"created_at"`
}

type attemptJSON struct {
	AttemptedAt string  `json:"attempted_at"`
	StatusCode  *int    `json:"status_code"`
	LatencyMS   float64 `json:"latency_ms"`
	Error       *string `json:"error"`
}

func renderDeliveries(ds []*checkout.Delivery) []*deliveryJSON {
	out := make([]*deliveryJSON, len(ds))
	for i, d := range ds {
		j := &deliveryJSON{ID: d.ID, Object: "webhook_delivery", Event: d.EventID, WebhookEndpoint: d.EndpointID,
			Status: string(d.Status), Attempts: []attemptJSON{}, CreatedAt: rfc3339(d.Created)}
		if d.Status == checkout.DeliveryPending {
			j.NextAttemptAt = optTime(d.NextAt)
		}
		for _, a := range d.Attempts {
			aj := attemptJSON{AttemptedAt: a.At.UTC().Format("2006-01-02T15:04:05.000Z07:00"), LatencyMS: float64(a.Latency.Microseconds()) / 1000, Error: optString(a.Error)}
			if a.StatusCode != 0 {
				code := a.StatusCode
				aj.StatusCode = &code
			}
			j.Attempts = append(j.Attempts, aj)
		}
		out[i] = j
	}
	return out
}

// endpointParams reads the parameters of create and update.
func endpointParams(v *params.Values) (service.EndpointParams, error) {
	var p service.EndpointParams
	if u, ok := v.String("url"); ok {
		p.URL = &u
	}
	p.EnabledEvents, _ = v.Strings("enabled_events")
	if d, ok := v.String("description"); ok {
		p.Description = &d
	}
	p.Metadata, _ = v.StringMap("metadata")
	if d, ok := v.Bool("disabled"); ok {
		p.Disabled = &d
	}
	if f, ok := v.String("format"); ok {
		p.Format = &f
	}
	return p, v.Err()
}

func (s *Server) createEndpoint(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := endpointParams(v)
	if err != nil {
		return nil, err
	}
	e, secret, err := s.svc.CreateEndpoint(r.Context(), scope, p)
	if err != nil {
		return nil, err
	}
	return renderEndpoint(e, secret), nil
}

func (s *Server) updateEndpoint(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	p, err := endpointParams(v)
	if err != nil {
		return nil, err
	}
	e, err := s.svc.UpdateEndpoint(r.Context(), scope, r.PathValue("id"), p)
	if err != nil {
		return nil, err
	}
	return renderEndpoint(e, ""), nil
}

func (s *Server) getEndpoint(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	e, err := s.svc.GetEndpoint(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderEndpoint(e, ""), nil
}

func (s *Server) listEndpoints(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/webhook_endpoints", onlyCursor, s.svc.ListEndpoints, renderListedEndpoint)
}

// renderListedEndpoint renders an endpoint of a list: never with its secret.
func renderListedEndpoint(e *checkout.WebhookEndpoint) *endpointJSON { return renderEndpoint(e, "") }

func (s *Server) deleteEndpoint(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if err := s.svc.DeleteEndpoint(r.Context(), scope, id); err != nil {
		return nil, err
	}
	return map[string]any{"id": id, "object": "webhook_endpoint", "deleted": true}, nil
}

func (s *Server) rotateSecret(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	e, secret, err := s.svc.RotateSecret(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderEndpoint(e, secret), nil
}

func (s *Server) listDeliveries(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	ds, err := s.svc.ListDeliveries(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return &listJSON{Object: "list", Data: renderDeliveries(ds), URL: "/v1/events/" + r.PathValue("id") + "/deliveries"}, nil
}

func (s *Server) resendEvent(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	endpoint, _ := v.String("webhook_endpoint")
	if err := v.Err(); err != nil {
		return nil, err
	}
	ds, err := s.svc.Resend(r.Context(), scope, r.PathValue("id"), endpoint)
	if err != nil {
		return nil, err
	}
	return &listJSON{Object: "list", Data: renderDeliveries(ds), URL: "/v1/events/" + r.PathValue("id") + "/deliveries"}, nil
}

// Events encodes the canonical webhook body of an event: the same JSON as
// GET /v1/events/{id} (a service.EventEncoder). PublicURL is the service's,
// for the url of a session in the event.
type Events struct{ PublicURL string }

// EncodeEvent implements service.EventEncoder.
func (e Events) EncodeEvent(ev *checkout.Event) ([]byte, error) {
	return json.Marshal(renderEventAt(ev, strings.TrimRight(e.PublicURL, "/")))
}
