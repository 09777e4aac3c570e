package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
)

func (s *Server) listEvents(r *http.Request, scope checkout.Scope) (any, error) {
	return canonicalList(r, scope, "/v1/events", eventFilter, s.svc.ListEvents, s.renderEvent)
}

func eventFilter(v *params.Values, p checkout.ListParams) checkout.EventFilter {
	f := checkout.EventFilter{ListParams: p}
	f.Type, _ = v.String("type")
	return f
}

func (s *Server) getEvent(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	ev, err := s.svc.GetEvent(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.renderEvent(ev), nil
}
