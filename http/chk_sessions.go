package http

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// Seed 003's checkout sessions (chk_*.go): /v1/checkout_sessions, with the
// canonical API's secret keys. Amounts are decimal strings in the major
// unit, statuses open|completed|expired|canceled, and a session made here
// is chk_test_…/chk_live_… and pays in stablecoins unless told otherwise.
// The dialect decodes into service parameters and renders its own shape
// (chk_render.go); every rule is the service's.

func (s *Server) createChkSession(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, chkError(err)
	}
	p, err := decodeChkSessionParams(v)
	if err != nil {
		return nil, chkError(err)
	}
	sess, err := s.svc.CreateSession(r.Context(), scope, p)
	if err != nil {
		return nil, chkError(err)
	}
	return s.renderChk(r.Context(), sess, true)
}

// decodeChkSessionParams reads seed 003's create parameters: the
// attributes of its table a merchant sets. Amounts are decimal strings in
// the currency's major unit, so the currency is required to read them.
func decodeChkSessionParams(v *params.Values) (*service.SessionParams, error) {
	p := &service.SessionParams{CheckoutSessionsID: true}
	p.Currency, _ = v.String("currency")
	c, currencyOK := checkout.ParseCurrency(p.Currency)
	amount, hasAmount := v.String("amount")
	p.SuccessURL, _ = v.String("success_url")
	p.CancelURL, _ = v.String("cancel_url")
	p.ReturnURL, _ = v.String("return_url")
	p.Customer, _ = v.String("customer_id")
	p.CustomerEmail, _ = v.String("customer_email")
	p.Description, _ = v.String("description")
	p.Metadata, _ = v.StringMap("metadata")
	p.Mode, _ = v.String("mode")
	p.PaymentMethodTypes, _ = v.Strings("payment_method_types")
	if t, ok := v.Time("expired_at"); ok {
		p.ExpiresAt = &t
	}
	var bad error // the first bad decimal, reported after the type errors
	fail := func(err error) {
		if bad == nil {
			bad = err
		}
	}
	items, _ := v.List("line_items")
	for i, it := range items {
		li := service.LineItemParams{Currency: p.Currency}
		if n, ok := it.Int("quantity"); ok {
			li.Quantity = &n
		}
		li.Name, _ = it.String("name")
		li.Description, _ = it.String("description")
		li.Images, _ = it.Strings("images")
		if ua, ok := it.String("unit_amount"); ok && currencyOK {
			n, ok := checkout.ParseAmount(ua, c)
			if !ok {
				fail(badDecimal(fmt.Sprintf("line_items[%d][unit_amount]", i), ua, c))
			}
			li.UnitAmount = &n
		} else if !ok {
			fail(checkout.Invalid(fmt.Sprintf("line_items[%d][unit_amount]", i), "parameter_missing", "line_items[%d][unit_amount] is required, a decimal string such as \"12.50\"", i))
		}
		p.LineItems = append(p.LineItems, li)
	}
	toks, _ := v.List("supported_tokens")
	for i, t := range toks {
		tc := checkout.TokenChain{}
		tc.Chain, _ = t.String("chain")
		tc.Token, _ = t.String("token")
		// The seed names the token's symbol currency too.
		if cur, ok := t.String("currency"); ok {
			if tc.Token != "" && !strings.EqualFold(cur, tc.Token) {
				fail(checkout.Invalid(fmt.Sprintf("supported_tokens[%d][currency]", i), "parameter_invalid", "supported_tokens[%d] names token %s and currency %s; give one, or the same", i, tc.Token, cur))
			}
			tc.Token = cur
		}
		p.SupportedTokens = append(p.SupportedTokens, tc)
	}
	ds, _ := v.List("discounts")
	for _, d := range ds {
		var dp service.DiscountParams
		dp.Coupon, _ = d.String("coupon")
		dp.PromotionCode, _ = d.String("promotion_code")
		p.Discounts = append(p.Discounts, dp)
	}
	p.AllowPromotionCodes, _ = v.Bool("allow_promotion_codes")
	if err := v.Err(); err != nil {
		return nil, err
	}
	switch {
	case p.Currency == "":
		return nil, checkout.Invalid("currency", "parameter_missing", "currency is required (e.g. USD): amounts are decimal strings in its major unit")
	case !currencyOK:
		return nil, checkout.Invalid("currency", "currency_invalid", "'%s' is not a supported ISO 4217 currency code (prices are set in a fiat currency; the token is chosen with supported_tokens)", p.Currency)
	case p.Mode == "subscription":
		return nil, checkout.Invalid("mode", "parameter_invalid", "mode 'subscription' is not supported: checkoutd takes one-off payments only; use mode 'payment'")
	}
	if bad != nil {
		return nil, bad
	}
	if hasAmount {
		n, ok := checkout.ParseAmount(amount, c)
		if !ok {
			return nil, badDecimal("amount", amount, c)
		}
		p.Amount = &n
	}
	if p.PaymentMethodTypes == nil {
		p.PaymentMethodTypes = []string{string(checkout.MethodStablecoin)}
	}
	return p, nil
}

func badDecimal(param, got string, c checkout.Currency) error {
	example := checkout.FormatAmount(2500, c)
	return checkout.Invalid(param, "parameter_invalid", "%s must be a decimal string in %s's major unit with at most %d decimals, such as \"%s\"; got '%s'", param, c, c.Exponent(), example, got)
}

func (s *Server) getChkSession(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, chkError(err)
	}
	sess, err := s.svc.GetSession(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, chkError(err)
	}
	return s.renderChk(r.Context(), sess, true)
}

// chkStatuses are the dialect's names of the canonical statuses.
var chkStatuses = map[checkout.SessionStatus]string{
	checkout.SessionOpen: "open", checkout.SessionComplete: "completed",
	checkout.SessionExpired: "expired", checkout.SessionCanceled: "canceled",
}

// chkFilter is the list's filter, with a status the dialect does not name
// kept aside for fetch to refuse.
type chkFilter struct {
	checkout.SessionFilter
	badStatus *string
}

func (s *Server) listChkSessions(r *http.Request, scope checkout.Scope) (any, error) {
	ctx := r.Context()
	var renderErr error
	data, more, err := listPage(r, scope, canonicalCursor, func(v *params.Values, p checkout.ListParams) chkFilter {
		f := chkFilter{SessionFilter: checkout.SessionFilter{ListParams: p}}
		if st, ok := v.String("status"); ok {
			f.badStatus = &st
			for canonical, name := range chkStatuses {
				if name == st {
					f.Status, f.badStatus = canonical, nil
				}
			}
		}
		return f
	}, func(ctx context.Context, scope checkout.Scope, f chkFilter) (checkout.Page[*checkout.Session], error) {
		if f.badStatus != nil {
			return checkout.Page[*checkout.Session]{}, checkout.Invalid("status", "parameter_invalid", "status must be one of open, completed, expired, canceled; got '%s'", *f.badStatus)
		}
		return s.svc.ListSessions(ctx, scope, f.SessionFilter)
	}, func(sess *checkout.Session) *chkSessionJSON {
		j, err := s.renderChk(ctx, sess, true)
		if err != nil && renderErr == nil {
			renderErr = err
		}
		return j
	})
	if err == nil {
		err = renderErr
	}
	if err != nil {
		return nil, chkError(err)
	}
	return &listJSON{Object: "list", Data: data, HasMore: more, URL: "/v1/checkout_sessions"}, nil
}

// selectChkToken is the custom integration's call, and the hosted page's:
// the customer's token and chain, answered with the session and its
// deposit (where to send what).
func (s *Server) selectChkToken(r *http.Request, scope checkout.Scope) (any, error) {
	v, err := requestParams(r)
	if err != nil {
		return nil, chkError(err)
	}
	var tc checkout.TokenChain
	tc.Token, _ = v.String("selected_token")
	tc.Chain, _ = v.String("chain")
	if err := v.Err(); err != nil {
		return nil, chkError(err)
	}
	sess, p, err := s.svc.SelectToken(r.Context(), scope, r.PathValue("id"), tc)
	if err != nil {
		return nil, chkError(err)
	}
	out := renderChkSession(sess, s.svc.PublicURL(), s.svc.TokenInfo)
	out.withPayment(p, sess)
	return out, nil
}

func (s *Server) cancelChkSession(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, chkError(err)
	}
	sess, err := s.svc.CancelSession(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, chkError(err)
	}
	return s.renderChk(r.Context(), sess, true)
}

// renderChk is sess in the dialect's shape; withPayment adds the payment
// that completed it or its current selection (payment_intent_id, deposit).
func (s *Server) renderChk(ctx context.Context, sess *checkout.Session, withPayment bool) (*chkSessionJSON, error) {
	out := renderChkSession(sess, s.svc.PublicURL(), s.svc.TokenInfo)
	if withPayment {
		p, err := s.svc.LatestPayment(ctx, sess)
		if err != nil {
			return nil, err
		}
		out.withPayment(p, sess)
	}
	return out, nil
}

// chkNames are the dialect's names of canonical parameters, for errors.
var chkNames = map[string]string{
	"customer": "customer_id", "expires_at": "expired_at", "method": "selected_token",
	"token": "selected_token", "payment": "payment_intent_id",
}

// chkError renames the parameter of a service error to the dialect's name
// (status, code and kind stay canonical).
func chkError(err error) error {
	var e *checkout.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Kind == checkout.KindState && strings.Contains(e.Message, " is complete ") {
		c := *e
		c.Message = strings.Replace(e.Message, " is complete ", " is completed ", 1)
		e = &c
		err = e
	}
	if e.Param == "" {
		return err
	}
	name := e.Param
	if n, ok := chkNames[name]; ok {
		name = n
	}
	// Line items are flat here: line_items[0][unit_amount], not Stripe's
	// line_items[0][price_data][unit_amount].
	name = strings.NewReplacer("[price_data][product_data]", "", "[price_data]", "").Replace(name)
	if name == e.Param {
		return err
	}
	c := *e
	c.Param = name
	c.Message = renameLeading(e.Message, e.Param, name)
	if e.Param == "method" && e.Code == "payment_method_unavailable" {
		// The canonical message names a method; here a session is paid
		// by selecting a token, never by naming a method.
		c.Message = "this checkout session does not take stablecoin payments"
	}
	return &c
}

// renameLeading renames param to name where msg begins with it as a whole
// word ("customer must be…"); any other mention is prose, left as it is
// ("'stablecoin' is not a payment method…" names no parameter).
func renameLeading(msg, param, name string) string {
	rest, ok := strings.CutPrefix(msg, param)
	if !ok || (rest != "" && (isWordByte(rest[0]) || rest[0] == '[')) {
		return msg
	}
	return name + rest
}

func isWordByte(b byte) bool {
	return b == '_' || ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
}
