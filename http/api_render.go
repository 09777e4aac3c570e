package http

import (
	"context"
	"net/http"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/http/params"
	"github.com/checkoutd/checkoutd/service"
)

// The JSON shapes of the canonical API (seed 001's, extended the way Stripe's
// checkout session is). Field order here is the order on the wire.

type sessionJSON struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	Livemode           bool              `json:"livemode"`
	Mode               string            `json:"mode"`
	Status             string            `json:"status"`
	PaymentStatus      string            `json:"payment_status"`
	URL                string            `json:"url"`
	Amount             int64             `json:"amount"`
	AmountSubtotal     int64             `json:"amount_subtotal"`
	AmountTotal        int64             `json:"amount_total"`
	TotalDetails       totalDetailsJSON  `json:"total_details"`
	discountsJSON                        // its coupon, at most one (api_coupons.go)
	Currency           string            `json:"currency"`
	LineItems          listJSON          `json:"line_items"`
	Payment            *string           `json:"payment"`
	PaymentLink        *string           `json:"payment_link"`
	Invoice            *string           `json:"invoice"`
	Customer           *string           `json:"customer"`
	CustomerEmail      *string           `json:"customer_email"`
	CustomerPhone      *string           `json:"customer_phone"`
	SuccessURL         string            `json:"success_url"`
	CancelURL          string            `json:"cancel_url"`
	ClientReferenceID  *string           `json:"client_reference_id"`
	Locale             *string           `json:"locale"`
	Description        *string           `json:"description"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	Provider           *string           `json:"provider"`
	CompanionDevice    *string           `json:"companion_device"`
	DevicePush         *devicePushJSON   `json:"device_push"` // set by renderSession (api_devicepush.go)
	Metadata           map[string]string `json:"metadata"`
	ExpiresAt          string            `json:"expires_at"`
	CreatedAt          string            `json:"created_at"`
	UpdatedAt          string            `json:"updated_at"`
	AccessedAt         *string           `json:"accessed_at"`
	CompletedAt        *string           `json:"completed_at"`
	collectJSON                          // what the page collects (api_collect.go)
	stablecoinJSON                       // supported tokens and the selection (api_stablecoin.go)
}

type totalDetailsJSON struct {
	AmountDiscount int64 `json:"amount_discount"`
	AmountShipping int64 `json:"amount_shipping"`
	AmountTax      int64 `json:"amount_tax"`
}

type lineItemJSON struct {
	ID             string    `json:"id"`
	Object         string    `json:"object"`
	Description    string    `json:"description"`
	Quantity       int64     `json:"quantity"`
	Currency       string    `json:"currency"`
	AmountSubtotal int64     `json:"amount_subtotal"`
	AmountDiscount int64     `json:"amount_discount"`
	AmountTax      int64     `json:"amount_tax"`
	AmountTotal    int64     `json:"amount_total"`
	Price          priceJSON `json:"price"`
	// Product is the product the line was priced from (null for a line
	// given with price_data); also price.product, where Stripe has it.
	Product       *string `json:"product"`
	lineDiscounts         // its share of the session's discount (api_coupons.go)
}

type priceJSON struct {
	Object      string          `json:"object"`
	Currency    string          `json:"currency"`
	UnitAmount  int64           `json:"unit_amount"`
	Product     *string         `json:"product"`
	ProductData productDataJSON `json:"product_data"`
}

type productDataJSON struct {
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	Images      []string `json:"images"`
}

// listJSON is every list: sessions, events, line items.
type listJSON struct {
	Object  string `json:"object"`
	Data    any    `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

type eventJSON struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	Type   string `json:"type"`
	// Created is unix seconds, as in Stripe's event envelope, so Stripe's
	// libraries can parse our events; CreatedAt is the same instant in RFC 3339.
	Created   int64         `json:"created"`
	CreatedAt string        `json:"created_at"`
	Livemode  bool          `json:"livemode"`
	Sequence  int64         `json:"sequence"`
	Data      eventDataJSON `json:"data"`
}

type eventDataJSON struct {
	Object any `json:"object"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := rfc3339(t)
	return &s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// renderSession is the API's JSON of sess, with its device push.
func (s *Server) renderSession(ctx context.Context, sess *checkout.Session) *sessionJSON {
	out := renderSessionAt(sess, s.svc.PublicURL())
	out.DevicePush = canonicalDevicePush(s.svc.DevicePush(ctx, sess))
	return out
}

// renderSessionAt is the API's JSON of sess, whose page is served under
// publicURL.
func renderSessionAt(sess *checkout.Session, publicURL string) *sessionJSON {
	items := make([]lineItemJSON, len(sess.LineItems))
	for i, li := range sess.LineItems {
		items[i] = renderSessionLineItem(li, sess.Discounts)
	}
	md := sess.Metadata
	if md == nil {
		md = map[string]string{}
	}
	methods := sess.PaymentMethodTypes
	if methods == nil {
		methods = []string{}
	}
	return &sessionJSON{
		ID: sess.ID, Object: "checkout.session", Livemode: sess.Livemode, Mode: string(sess.Mode),
		Status: string(sess.Status), PaymentStatus: string(sess.PaymentStatus), URL: service.SessionURL(publicURL, sess.ID),
		Amount: sess.AmountTotal, AmountSubtotal: sess.AmountSubtotal, AmountTotal: sess.AmountTotal,
		TotalDetails: totalDetailsJSON{AmountDiscount: sess.AmountDiscount, AmountTax: sess.AmountTax},
		Currency:     string(sess.Currency),
		LineItems:    listJSON{Object: "list", Data: items, URL: "/v1/checkout/sessions/" + sess.ID + "/line_items"},
		Payment:      optString(sess.Payment), PaymentLink: optString(sess.PaymentLink), Invoice: optString(sess.Invoice), Customer: optString(sess.Customer),
		CustomerEmail: optString(sess.CustomerEmail), CustomerPhone: optString(sess.CustomerPhone),
		SuccessURL: sess.SuccessURL, CancelURL: sess.CancelURL,
		discountsJSON:     discountsJSON{Discounts: renderDiscounts(sess.Discounts), AllowPromotionCodes: sess.AllowPromotionCodes},
		ClientReferenceID: optString(sess.ClientReferenceID), Locale: optString(sess.Locale), Description: optString(sess.Description),
		PaymentMethodTypes: methods, Provider: optString(sess.Provider), CompanionDevice: optString(sess.CompanionDevice), Metadata: md,
		ExpiresAt: rfc3339(sess.ExpiresAt), CreatedAt: rfc3339(sess.Created), UpdatedAt: rfc3339(sess.Updated),
		AccessedAt: optTime(sess.AccessedAt), CompletedAt: optTime(sess.CompletedAt),
		collectJSON:    renderCollect(sess),
		stablecoinJSON: renderStablecoin(sess),
	}
}

func renderLineItem(li checkout.LineItem) lineItemJSON {
	images := li.Images
	if images == nil {
		images = []string{}
	}
	return lineItemJSON{
		ID: li.ID, Object: "item", Description: li.Name, Quantity: li.Quantity, Currency: string(li.Currency),
		AmountSubtotal: li.AmountSubtotal, AmountDiscount: li.AmountDiscount, AmountTax: li.AmountTax, AmountTotal: li.AmountTotal,
		Price: priceJSON{Object: "price", Currency: string(li.Currency), UnitAmount: li.UnitAmount, Product: optString(li.Product),
			ProductData: productDataJSON{Name: li.Name, Description: optString(li.Description), Images: images}},
		Product:       optString(li.Product),
		lineDiscounts: lineDiscounts{Discounts: []lineDiscountJSON{}},
	}
}

// renderEvent is the API's JSON of ev.
func (s *Server) renderEvent(ev *checkout.Event) *eventJSON {
	return renderEventAt(ev, s.svc.PublicURL())
}

// renderEventAt is the API's JSON of ev; publicURL as for renderSessionAt.
func renderEventAt(ev *checkout.Event, publicURL string) *eventJSON {
	out := &eventJSON{
		ID: ev.ID, Object: "event", Type: ev.Type, Created: ev.Created.Unix(), CreatedAt: rfc3339(ev.Created),
		Livemode: ev.Livemode, Sequence: ev.Sequence,
	}
	switch {
	case ev.Payment != nil:
		out.Data.Object = renderPayment(ev.Payment)
	case ev.Session != nil:
		out.Data.Object = renderSessionAt(ev.Session, publicURL)
	case ev.Endpoint != nil:
		out.Data.Object = renderEndpoint(ev.Endpoint, "") // never a secret
	case ev.Object != nil:
		switch o := ev.Object.(type) {
		case *checkout.PaymentLink:
			out.Data.Object = renderLinkAt(o, publicURL)
		case *checkout.Refund:
			out.Data.Object = renderRefund(o)
		case *checkout.Coupon:
			out.Data.Object = renderCoupon(o, ev.Created)
		case *checkout.PromotionCode:
			out.Data.Object = renderPromotionCode(o)
		case *checkout.Product:
			out.Data.Object = renderProduct(o)
		case *checkout.Invoice:
			out.Data.Object = renderInvoice(o)
		}
	}
	return out
}

// canonicalList is a list of the canonical API: listPage in Stripe's list
// envelope, url being the list's own path.
func canonicalList[F, T, J any](r *http.Request, scope checkout.Scope, url string,
	filter func(v *params.Values, p checkout.ListParams) F,
	fetch func(context.Context, checkout.Scope, F) (checkout.Page[T], error),
	render func(T) J) (any, error) {
	data, more, err := listPage(r, scope, canonicalCursor, filter, fetch, render)
	if err != nil {
		return nil, err
	}
	return &listJSON{Object: "list", Data: data, HasMore: more, URL: url}, nil
}
