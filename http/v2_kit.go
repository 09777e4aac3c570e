package http

import (
	"context"
	"fmt"
	"math"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// The v2 kit: what every route of seed 002's dialect shares. It
// authenticates with the same secret keys, taken from x-api-key (apiKey
// reads it, under the same guessing limit as every key), answers inside
// {"data": …} and errors in the one error shape, {"error": {…}}, with the
// canonical statuses, the parameter an error names in the dialect's words
// (v2Error, in v2_errors.go). Its objects' shapes are in v2_render.go.

// v2Data is the envelope of every v2 answer.
type v2Data struct {
	Data any `json:"data"`
}

// v2List is the envelope of a v2 list: one page, newest first, and whether
// more follow (fetched with startingAfter, the last id).
type v2List struct {
	Data    any  `json:"data"`
	HasMore bool `json:"hasMore"`
}

// v2Cursor are the dialect's names of the cursor parameters.
var v2Cursor = cursorNames{"limit", "startingAfter", "endingBefore"}

// v2ListOf is one page of a v2 list, in a v2List: the dialect's cursor
// names, filter reading the other parameters, each item rendered by
// render. As listPage, but a parameter the decoding refuses is marked
// named as sent (v2Decoded), so that v2Error renames only the service's.
func v2ListOf[F, T, J any](r *http.Request, scope checkout.Scope,
	filter func(v *params.Values, p checkout.ListParams) F,
	fetch func(context.Context, checkout.Scope, F) (checkout.Page[T], error),
	render func(T) J) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, v2Decoded(err)
	}
	f := filter(v, v2Cursor.cursor(v, service.DefaultListLimit))
	if err := v.Err(); err != nil {
		return nil, v2Decoded(err)
	}
	page, err := fetch(r.Context(), scope, f)
	if err != nil {
		return nil, err
	}
	data := make([]J, len(page.Items))
	for i, it := range page.Items {
		data[i] = render(it)
	}
	return v2List{Data: data, HasMore: page.HasMore}, nil
}

// v2 is an API route of the dialect: api's authentication, body bounds and
// idempotency, with h's answer wrapped in {"data": …} (a v2List as it is).
func (s *Server) v2(h apiFunc) http.Handler {
	return s.api(func(r *http.Request, scope checkout.Scope) (any, error) {
		v, err := h(r, scope)
		if err != nil {
			return nil, v2Error(err)
		}
		if l, ok := v.(v2List); ok {
			return l, nil
		}
		return v2Data{Data: v}, nil
	})
}

// guarded runs check, a test of a secret a caller presents (a device
// token, a pairing code), under the address's budget of failed guesses:
// while the address is throttled nothing is checked, so a right guess
// cannot be told from a wrong one. check returns whether it failed as a
// wrong secret. budget names the budget ("device", "pair"), kept apart from
// the API keys' so that a shop's devices and its server behind one address
// do not lock each other out.
func (s *Server) guarded(w http.ResponseWriter, r *http.Request, budget string, check func() (wrong bool)) bool {
	client := budget + "/" + limitKey(s.clientIP(r))
	if ok, wait := s.authLimit.reserve(r.Context(), client, s.svc.Now); !ok {
		w.Header().Set("Retry-After", fmt.Sprint(max(1, int(math.Ceil(wait.Seconds())))))
		s.writeError(w, r, &checkout.Error{Kind: checkout.KindRateLimited, Code: "rate_limit",
			Message: "Too many failed attempts from this address. Retry after the Retry-After delay."})
		return false
	}
	wrong := true
	defer func() { s.authLimit.settle(client, wrong, s.svc.Now()) }()
	wrong = check()
	return true
}

// v2Sources are the sources a session or checkout link was given, of
// invoiceId, productId and amountMinor, in that order: of two, the later
// one is the one refused, whatever order the body sent them in.
func v2Sources(invoice, product, amount bool) []string {
	var out []string
	for _, g := range []struct {
		name  string
		given bool
	}{{"invoiceId", invoice}, {"productId", product}, {"amountMinor", amount}} {
		if g.given {
			out = append(out, g.name)
		}
	}
	return out
}
