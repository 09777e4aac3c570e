package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

func (s *Server) listEvents(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, err
	}
	f := checkout.EventFilter{ListParams: listParams(v, service.DefaultListLimit)}
	f.Type, _ = v.String("type")
	if err := v.Err(); err != nil {
		return nil, err
	}
	page, err := s.svc.ListEvents(r.Context(), scope, f)
	if err != nil {
		return nil, err
	}
	data := make([]*eventJSON, len(page.Items))
	for i, ev := range page.Items {
		data[i] = renderEvent(ev, s.svc.PublicURL())
	}
	return &listJSON{Object: "list", Data: data, HasMore: page.HasMore, URL: "/v1/events"}, nil
}

func (s *Server) getEvent(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	ev, err := s.svc.GetEvent(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderEvent(ev, s.svc.PublicURL()), nil
}
