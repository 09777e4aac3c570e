package http

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// Seed 000's checkout host (host_*.go): a shop's backend creates a session
// with the server secret (POST /api/sessions), and the customer's page,
// which may be served from another origin, reads it by id. The dialect
// decodes into service.SessionParams and renders its own shapes; every rule
// is the service's.

// HostConfig configures seed 000's /api routes.
type HostConfig struct {
	// Secret is the server secret callers send as x-checkout-secret
	// (CHECKOUT_API_SECRET); "" leaves the routes that need it answering 503.
	Secret string
	// SessionTTL is the lifetime of a session that names no expiresIn.
	SessionTTL time.Duration
	// CORSOrigins may read a session from a browser page (the customer's
	// page on another origin); no other origin is answered.
	CORSOrigins []string
}

// DefaultHostSessionTTL is seed 000's default session lifetime.
const DefaultHostSessionTTL = 30 * time.Minute

// SetHost configures seed 000's routes.
func (s *Server) SetHost(c HostConfig) {
	if c.SessionTTL == 0 {
		c.SessionTTL = DefaultHostSessionTTL
	}
	s.host = c
}

// hostSecretVar names the setting in errors, as seed 000 names it.
const hostSecretVar = "CHECKOUT_API_SECRET"

// hostSecret guards a server-to-server route with the server secret,
// compared in constant time.
func (s *Server) hostSecret(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.host.Secret == "" {
			s.hostError(w, r, http.StatusServiceUnavailable, "checkout_api_disabled",
				"this server has no checkout API secret: set "+hostSecretVar+" (or --checkout-api-secret) to enable /api/sessions")
			return
		}
		got := r.Header.Get("x-checkout-secret")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.host.Secret)) != 1 {
			s.hostError(w, r, http.StatusUnauthorized, "unauthorized", "missing or wrong x-checkout-secret header")
			return
		}
		h(w, r)
	})
}

// hostSessionBody is POST /api/sessions's body, exactly seed 000's.
type hostSessionBody struct {
	OrderID      string            `json:"orderId"`
	Amount       *int64            `json:"amount"`
	Currency     string            `json:"currency"`
	TenantID     string            `json:"tenantId"`
	ReturnURL    string            `json:"returnUrl"`
	CustomerInfo *hostCustomerInfo `json:"customerInfo"`
	Fulfillment  string            `json:"fulfillment"`
	Provider     string            `json:"provider"`
	ExpiresIn    *int64            `json:"expiresIn"` // milliseconds
	Metadata     map[string]string `json:"metadata"`
	// Coupons, in this dialect's camelCase (not in seed 000 itself).
	Discounts           []hostDiscount `json:"discounts"`
	AllowPromotionCodes bool           `json:"allowPromotionCodes"`
}

// hostDiscount names a coupon or a promotion code (its promo_… id).
type hostDiscount struct {
	Coupon        string `json:"coupon"`
	PromotionCode string `json:"promotionCode"`
}

type hostCustomerInfo struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

// hostNames are the dialect's names of the canonical parameters, for errors.
var hostNames = map[string]string{
	"success_url": "returnUrl", "cancel_url": "returnUrl", "client_reference_id": "orderId",
	"customer_email": "customerInfo.email", "customer_first_name": "customerInfo.firstName",
	"customer_last_name": "customerInfo.lastName", "expires_in": "expiresIn",
	"payment_method_types": "provider", "payment_method_types[0]": "provider",
	"allow_promotion_codes": "allowPromotionCodes",
	"discounts[0][coupon]":  "discounts[0].coupon", "discounts[0][promotion_code]": "discounts[0].promotionCode",
}

func (s *Server) createHostSession(w http.ResponseWriter, r *http.Request) {
	var b hostSessionBody
	if err := decodeStrict(r, &b); err != nil {
		s.hostWriteError(w, r, err)
		return
	}
	scope, ok := s.hostTenant(w, r, b.TenantID)
	if !ok {
		return
	}
	if b.Amount == nil {
		s.hostWriteError(w, r, checkout.Invalid("amount", "parameter_missing", "amount is required (in the currency's minor unit)"))
		return
	}
	if b.Currency == "" {
		s.hostWriteError(w, r, checkout.Invalid("currency", "parameter_missing", "currency is required"))
		return
	}
	p := &service.SessionParams{Amount: b.Amount, Currency: b.Currency, SuccessURL: b.ReturnURL, CancelURL: b.ReturnURL,
		ClientReferenceID: b.OrderID, Metadata: b.Metadata, Fulfillment: b.Fulfillment}
	p.Provider = b.Provider
	if c := b.CustomerInfo; c != nil {
		p.CustomerEmail, p.CustomerFirstName, p.CustomerLastName = c.Email, c.FirstName, c.LastName
	}
	p.ExpiresIn = s.hostTTL(b.ExpiresIn)
	for _, d := range b.Discounts {
		p.Discounts = append(p.Discounts, service.DiscountParams{Coupon: d.Coupon, PromotionCode: d.PromotionCode})
	}
	p.AllowPromotionCodes = b.AllowPromotionCodes
	sess, err := s.svc.CreateSession(r.Context(), scope, p)
	if err != nil {
		s.hostWriteError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{
		"id": sess.ID, "checkoutUrl": s.svc.PublicURL() + "/c/" + sess.ID, "expiresAt": hostTime(sess.ExpiresAt),
	})
}

// getHostSession is the session's snapshot. Seed 000's customer page reads
// it without the server secret: the id (128 random bits) is the
// capability, and the snapshot holds nothing beyond what that page shows.
func (s *Server) getHostSession(w http.ResponseWriter, r *http.Request) {
	s.hostCORS(w, r)
	sess, _, err := s.svc.FindSessionPage(r.Context(), r.PathValue("id"))
	if err != nil {
		s.hostWriteError(w, r, hostSessionError(err))
		return
	}
	snap := map[string]any{
		"id": sess.ID, "tenantId": sess.AccountID, "livemode": sess.Livemode,
		"state": string(sess.Status), "paymentStatus": string(sess.PaymentStatus),
		"amount": sess.AmountTotal, "currency": string(sess.Currency), "orderId": sess.ClientReferenceID,
		"customerInfo": map[string]string{"email": sess.CustomerEmail, "firstName": sess.CustomerFirstName, "lastName": sess.CustomerLastName},
		"fulfillment":  nullable(sess.Fulfillment), "returnUrl": sess.SuccessURL,
		"checkoutUrl": s.svc.PublicURL() + "/c/" + sess.ID,
		"createdAt":   hostTime(sess.Created), "expiresAt": hostTime(sess.ExpiresAt), "paymentSession": nil,
	}
	snap["provider"] = nullable(sess.Provider)
	hostTotals(snap, sess)
	// The payment session is the latest attempt: the one that completed
	// the session, else the newest (a decline, a voucher waiting).
	p, err := s.hostLatestPayment(r, sess)
	if err != nil {
		s.hostWriteError(w, r, err)
		return
	}
	if p != nil {
		snap["paymentSession"] = hostPayment(s.svc.PublicURL(), p)
		snap["provider"] = p.Provider
	}
	s.writeJSON(w, http.StatusOK, snap)
}

// hostTotals adds a session's discount to its snapshot: amount stays what
// is charged (the total); amountSubtotal is before the discount.
func hostTotals(snap map[string]any, sess *checkout.Session) {
	ds := make([]map[string]any, len(sess.Discounts))
	for i, d := range sess.Discounts {
		ds[i] = map[string]any{"coupon": d.Coupon, "promotionCode": nullable(d.PromotionCode), "amount": d.Amount}
	}
	snap["amountSubtotal"], snap["amountDiscount"], snap["discounts"] = sess.AmountSubtotal, sess.AmountDiscount, ds
	snap["allowPromotionCodes"] = sess.AllowPromotionCodes
}

// hostLatestPayment is the session's latest payment attempt, nil if none.
func (s *Server) hostLatestPayment(r *http.Request, sess *checkout.Session) (*checkout.Payment, error) {
	if sess.Payment != "" {
		return s.svc.FindPayment(r.Context(), sess.Payment)
	}
	page, err := s.svc.ListPayments(r.Context(), checkout.Scope{AccountID: sess.AccountID, Livemode: sess.Livemode},
		checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 1}, SessionID: sess.ID})
	if err != nil || len(page.Items) == 0 {
		return nil, err
	}
	return page.Items[0], nil
}

// hostPayment is a payment as seed 000's snapshot shows it.
func hostPayment(publicURL string, p *checkout.Payment) map[string]any {
	out := map[string]any{"id": p.ID, "chargeId": nullable(p.ProviderRef), "status": string(p.Status), "method": string(p.Method), "provider": p.Provider,
		"amount": p.Amount, "currency": string(p.Currency), "redirectUrl": nil, "voucher": nil,
		"failureCode": nullable(p.FailureCode), "failureMessage": nullable(p.FailureMessage)}
	if a := p.Action; a != nil && p.Status == checkout.PaymentRequiresAction {
		if a.Voucher != nil {
			out["voucher"] = map[string]any{"entity": a.Voucher.Entity, "reference": a.Voucher.Reference, "amount": p.Amount, "expiresAt": hostTime(a.ExpiresAt)}
		}
		if a.Redirect != nil {
			// An empty URL is a step the hosted page shows itself (the
			// simulator's 3-D Secure challenge).
			u := a.Redirect.URL
			if u == "" {
				u = publicURL + "/checkout/" + p.SessionID + "/3ds/" + p.ID
			}
			out["redirectUrl"] = u
		}
		if inBrowserStep(a) {
			// Stripe.js finishes the step (3-D Secure) on checkoutd's own
			// page, which then comes back to /confirm's caller through
			// returnUrl; the client secret stays on that page, out of the
			// snapshot anyone with the session id may read.
			out["redirectUrl"] = publicURL + "/checkout/" + p.SessionID + "/action/" + p.ID
		}
	}
	return out
}

// hostCORS lets the origins the operator allows read a session from a
// browser page; never "*", never with credentials.
func (s *Server) hostCORS(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Add("Vary", "Origin")
	o := r.Header.Get("Origin")
	if o == "" || !slices.Contains(s.host.CORSOrigins, o) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", o)
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	return true
}

// hostPreflight answers a CORS preflight for a session's routes: 204 for
// an allowed origin, 403 otherwise.
func (s *Server) hostPreflight(w http.ResponseWriter, r *http.Request) {
	if !s.hostCORS(w, r) {
		s.hostError(w, r, http.StatusForbidden, "origin_not_allowed", "this origin may not call the checkout API from a browser (see --cors-origins)")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// hostError writes seed 000's error shape, {"error": {"code", "message"}}.
func (s *Server) hostError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	s.writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

// hostWriteError writes a service error in seed 000's shape, with the
// canonical status and the field in the dialect's name.
func (s *Server) hostWriteError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.errorResponse(r, err)
	e := map[string]any{"code": body.Error.Code, "message": body.Error.Message}
	if p := body.Error.Param; p != nil {
		name := *p
		if n, ok := hostNames[name]; ok {
			name = n
			e["message"] = strings.ReplaceAll(body.Error.Message, *p, n)
		}
		e["param"] = name
	}
	s.writeJSON(w, status, map[string]any{"error": e})
}

// decodeStrict decodes a JSON body into v, refusing unknown fields and
// values of the wrong type by name.
func decodeStrict(r *http.Request, v any) error {
	body, err := readBody(nil, r)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return checkout.Invalid(te.Field, "parameter_invalid", "%s must be a JSON %s", te.Field, jsonKind(te.Type.Kind().String()))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return checkout.Invalid(f, "parameter_unknown", "unknown field %s", f)
		}
		return checkout.Invalid("", "body_invalid", "the body must be one JSON object")
	}
	if d.More() {
		return checkout.Invalid("", "body_invalid", "the body must be one JSON object")
	}
	return nil
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "float"):
		return "number"
	case k == "map", k == "struct":
		return "object"
	case k == "slice":
		return "array"
	}
	return k
}

// hostTime is a time as seed 000 writes it: "2026-05-29T11:00:00.000Z".
func hostTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// hostLinkBody is POST /api/payment-links's body, exactly seed 000's.
type hostLinkBody struct {
	Amount      *int64            `json:"amount"`
	Currency    string            `json:"currency"`
	TenantID    string            `json:"tenantId"`
	Description string            `json:"description"`
	ExpiresIn   *int64            `json:"expiresIn"` // milliseconds
	Metadata    map[string]string `json:"metadata"`
}

// createHostLink is seed 000's payment link: a shareable URL for an amount
// without an order (POS, an invoice), single use: the link is one session,
// cs_link_…, that lives expiresIn. Its return URL is its own page, which
// says the payment is complete.
func (s *Server) createHostLink(w http.ResponseWriter, r *http.Request) {
	var b hostLinkBody
	if err := decodeStrict(r, &b); err != nil {
		s.hostWriteError(w, r, err)
		return
	}
	scope, ok := s.hostTenant(w, r, b.TenantID)
	if !ok {
		return
	}
	switch {
	case b.Amount == nil:
		s.hostWriteError(w, r, checkout.Invalid("amount", "parameter_missing", "amount is required (in the currency's minor unit)"))
		return
	case b.Currency == "":
		s.hostWriteError(w, r, checkout.Invalid("currency", "parameter_missing", "currency is required"))
		return
	}
	own := s.svc.PublicURL() + "/c/" + service.SessionIDPlaceholder
	p := &service.SessionParams{Amount: b.Amount, Currency: b.Currency, Description: b.Description, Metadata: b.Metadata, LinkID: true,
		SuccessURL: own, CancelURL: own}
	p.ExpiresIn = s.hostTTL(b.ExpiresIn)
	sess, err := s.svc.CreateSession(r.Context(), scope, p)
	if err != nil {
		s.hostWriteError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{
		"id": sess.ID, "url": s.svc.PublicURL() + "/c/" + sess.ID, "expiresAt": hostTime(sess.ExpiresAt),
	})
}

// hostTenant is the scope of a tenantId's sessions, or answers the error.
func (s *Server) hostTenant(w http.ResponseWriter, r *http.Request, id string) (checkout.Scope, bool) {
	if id == "" {
		s.hostWriteError(w, r, checkout.Invalid("tenantId", "parameter_missing", "tenantId is required"))
		return checkout.Scope{}, false
	}
	scope, err := s.svc.HostScope(r.Context(), id)
	if err != nil {
		if checkout.IsKind(err, checkout.KindNotFound) {
			err = &checkout.Error{Kind: checkout.KindNotFound, Code: "tenant_not_found", Param: "tenantId", Message: "no tenant '" + id + "' (tenantId)"}
		}
		s.hostWriteError(w, r, err)
		return checkout.Scope{}, false
	}
	return scope, true
}

// hostTTL is a session's lifetime from seed 000's expiresIn (milliseconds),
// or the default; the service checks its range. Only a value too large to
// be a Duration is clamped (to one past the range, which it refuses).
func (s *Server) hostTTL(ms *int64) *time.Duration {
	ttl := s.host.SessionTTL
	if ms != nil {
		ttl = time.Duration(*ms) * time.Millisecond
		if *ms > int64(checkout.MaxSessionTTL/time.Millisecond) {
			ttl = checkout.MaxSessionTTL + time.Millisecond
		}
	}
	return &ttl
}
