package http

import (
	"encoding/json"
	"math/big"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// chkSessionJSON is a session as seed 003 shows it: every attribute of its
// table, named and typed as it states. Amounts are decimal strings in the
// currency's major unit; every timestamp is RFC 3339 in UTC to the second
// (like the canonical API's); "string or null" attributes are null when
// empty. Field order here is the order on the wire.
type chkSessionJSON struct {
	ID              string            `json:"id"`
	Object          string            `json:"object"`
	Livemode        bool              `json:"livemode"`
	AccountID       string            `json:"account_id"`
	PaymentIntentID *string           `json:"payment_intent_id"`
	SuccessURL      string            `json:"success_url"`
	CancelURL       string            `json:"cancel_url"`
	ReturnURL       *string           `json:"return_url"`
	URL             string            `json:"url"`
	AmountSubtotal  string            `json:"amount_subtotal"`
	AmountTotal     string            `json:"amount_total"`
	Currency        string            `json:"currency"`
	Chain           *string           `json:"chain"`
	SelectedToken   *string           `json:"selected_token"`
	SupportedTokens []chkTokenJSON    `json:"supported_tokens"`
	Mode            string            `json:"mode"`
	Discounts       []chkDiscountJSON `json:"discounts"`
	// AllowPromotionCodes: the page takes a promotion code.
	AllowPromotionCodes bool              `json:"allow_promotion_codes"`
	LineItems           []chkLineItemJSON `json:"line_items"`
	Status              string            `json:"status"`
	CustomerID          *string           `json:"customer_id"`
	CustomerEmail       *string           `json:"customer_email"`
	CSRFToken           string            `json:"csrf_token"`
	Description         *string           `json:"description"`
	Metadata            map[string]string `json:"metadata"`
	ExchangeRate        *string           `json:"exchange_rate"`
	ExpiredAt           *string           `json:"expired_at"`
	UsedAt              *string           `json:"used_at"`
	AccessedAt          *string           `json:"accessed_at"`
	CreatedAt           string            `json:"created_at"`
	UpdatedAt           string            `json:"updated_at"`
	// PaymentMethodTypes are the methods the session takes (["stablecoin"]
	// for a session made here unless it named others).
	PaymentMethodTypes []string `json:"payment_method_types"`
	// Deposit is the current selection's: where the customer sends what,
	// null before a token is selected, and in webhooks.
	Deposit *chkDepositJSON `json:"deposit"`
}

// chkTokenJSON is one of supported_tokens: the pair, with the contract and
// decimals the operator configured for it (null when the pair is not
// configured in the session's mode). currency is the seed's name of the
// same symbol as token.
type chkTokenJSON struct {
	Chain           string  `json:"chain"`
	Token           string  `json:"token"`
	Currency        string  `json:"currency"`
	ChainID         *int64  `json:"chain_id"`
	ContractAddress *string `json:"contract_address"`
	Decimals        *int    `json:"decimals"`
}

// chkDiscountJSON is one discount: the coupon with its terms as applied
// (percent_off and amount_off as decimal strings, one of them null), the
// promotion code it came through, and what it takes off.
type chkDiscountJSON struct {
	Coupon        string  `json:"coupon"`
	Name          *string `json:"name"`
	PercentOff    *string `json:"percent_off"`
	AmountOff     *string `json:"amount_off"`
	PromotionCode *string `json:"promotion_code"`
	Amount        string  `json:"amount"`
}

type chkLineItemJSON struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Description    *string  `json:"description"`
	Images         []string `json:"images"`
	Quantity       int64    `json:"quantity"`
	UnitAmount     string   `json:"unit_amount"`
	AmountSubtotal string   `json:"amount_subtotal"`
	AmountDiscount string   `json:"amount_discount"`
	AmountTotal    string   `json:"amount_total"`
	Currency       string   `json:"currency"`
}

// chkDepositJSON is a stablecoin payment's deposit: what a custom
// integration shows the customer.
type chkDepositJSON struct {
	PaymentIntentID string  `json:"payment_intent_id"`
	Status          string  `json:"status"` // the payment's: requires_action while waiting
	Address         string  `json:"address"`
	Chain           string  `json:"chain"`
	ChainID         int64   `json:"chain_id"`
	Token           string  `json:"token"`
	ContractAddress string  `json:"contract_address"`
	Decimals        int     `json:"decimals"`
	Amount          string  `json:"amount"`         // token base units, an exact integer
	AmountDecimal   string  `json:"amount_decimal"` // the same in whole tokens, "25.000000"
	AmountReceived  string  `json:"amount_received"`
	ExchangeRate    string  `json:"exchange_rate"`
	URI             string  `json:"uri"` // EIP-681
	Confirmations   int     `json:"confirmations_required"`
	ExpiresAt       *string `json:"expires_at"`
}

// tokenInfoFunc describes a token/chain pair in a mode (Service.TokenInfo).
type tokenInfoFunc func(livemode bool, tc checkout.TokenChain) (checkout.TokenInfo, bool)

// renderChkSession is sess in seed 003's shape, without its payment (see
// withPayment); its page is served under publicURL.
func renderChkSession(sess *checkout.Session, publicURL string, tokens tokenInfoFunc) *chkSessionJSON {
	c := sess.Currency
	out := &chkSessionJSON{
		ID: sess.ID, Object: "checkout_session", Livemode: sess.Livemode, AccountID: sess.AccountID,
		PaymentIntentID: optString(sess.Payment), SuccessURL: sess.SuccessURL, CancelURL: sess.CancelURL,
		ReturnURL: optString(sess.ReturnURL), URL: service.SessionURL(publicURL, sess.ID),
		AmountSubtotal: checkout.FormatAmount(sess.AmountSubtotal, c), AmountTotal: checkout.FormatAmount(sess.AmountTotal, c),
		Currency: strings.ToUpper(string(c)), Chain: optString(sess.Chain), SelectedToken: optString(sess.SelectedToken),
		SupportedTokens: []chkTokenJSON{}, Mode: string(sess.Mode), Discounts: []chkDiscountJSON{}, AllowPromotionCodes: sess.AllowPromotionCodes,
		LineItems: []chkLineItemJSON{},
		Status:    chkStatuses[sess.Status], CustomerID: optString(sess.Customer), CustomerEmail: optString(sess.CustomerEmail),
		CSRFToken: sess.CSRFToken, Description: optString(sess.Description), ExchangeRate: optString(sess.ExchangeRate),
		ExpiredAt: optTime(sess.ExpiresAt), AccessedAt: optTime(sess.AccessedAt),
		CreatedAt: rfc3339(sess.Created), UpdatedAt: rfc3339(sess.Updated), PaymentMethodTypes: sess.PaymentMethodTypes,
	}
	if out.PaymentMethodTypes == nil {
		out.PaymentMethodTypes = []string{}
	}
	if len(sess.Metadata) > 0 {
		out.Metadata = sess.Metadata
	}
	switch sess.Status {
	case checkout.SessionComplete:
		out.UsedAt = optTime(sess.CompletedAt)
	case checkout.SessionCanceled:
		out.UsedAt = optTime(sess.CanceledAt)
	}
	for _, tc := range sess.SupportedTokens {
		t := chkTokenJSON{Chain: tc.Chain, Token: tc.Token, Currency: tc.Token}
		if info, ok := tokens(sess.Livemode, tc); ok {
			id, dec, addr := info.ChainID, info.Decimals, info.Contract
			t.ChainID, t.Decimals, t.ContractAddress = &id, &dec, &addr
		}
		out.SupportedTokens = append(out.SupportedTokens, t)
	}
	for _, d := range sess.Discounts {
		dj := chkDiscountJSON{Coupon: d.Coupon, Name: optString(d.Name), PromotionCode: optString(d.PromotionCode), Amount: checkout.FormatAmount(d.Amount, c)}
		if d.PercentOff != 0 {
			pct := checkout.FormatPercent(d.PercentOff)
			dj.PercentOff = &pct
		}
		if d.AmountOff != 0 {
			off := checkout.FormatAmount(d.AmountOff, d.Currency)
			dj.AmountOff = &off
		}
		out.Discounts = append(out.Discounts, dj)
	}
	for _, li := range sess.LineItems {
		images := li.Images
		if images == nil {
			images = []string{}
		}
		lc := li.Currency
		out.LineItems = append(out.LineItems, chkLineItemJSON{ID: li.ID, Name: li.Name, Description: optString(li.Description), Images: images,
			Quantity: li.Quantity, UnitAmount: checkout.FormatAmount(li.UnitAmount, lc), AmountSubtotal: checkout.FormatAmount(li.AmountSubtotal, lc),
			AmountDiscount: checkout.FormatAmount(li.AmountDiscount, lc), AmountTotal: checkout.FormatAmount(li.AmountTotal, lc),
			Currency: strings.ToUpper(string(lc))})
	}
	return out
}

// withPayment adds p, sess's latest payment (nil: none): payment_intent_id
// is the payment that completed the session, else the current selection's
// (a stablecoin payment still waiting; a failed one is no selection). The
// deposit shows while the session is open, and once its payment completed
// it. A selection the session does not record shows through its deposit.
func (j *chkSessionJSON) withPayment(p *checkout.Payment, sess *checkout.Session) {
	if p == nil {
		return
	}
	completing := sess.Payment != "" && p.ID == sess.Payment
	switch {
	case sess.Payment != "" && !completing:
		return
	case !completing && (p.Method != checkout.MethodStablecoin || p.Status.Final()):
		return
	}
	j.PaymentIntentID = &p.ID
	d := p.Deposit
	if d == nil {
		return
	}
	if j.Chain == nil && j.SelectedToken == nil {
		j.Chain, j.SelectedToken, j.ExchangeRate = optString(d.Chain), optString(d.Token), optString(d.ExchangeRate)
	}
	if !completing && sess.Status != checkout.SessionOpen {
		return // an ended session's address is no place to send to
	}
	dep := &chkDepositJSON{PaymentIntentID: p.ID, Status: string(p.Status), Address: d.Address, Chain: d.Chain, ChainID: d.ChainID,
		Token: d.Token, ContractAddress: d.Contract, Decimals: d.Decimals, Amount: d.Amount, AmountDecimal: tokenDecimal(d.Amount, d.Decimals),
		AmountReceived: received(d), ExchangeRate: d.ExchangeRate, URI: d.URI, Confirmations: d.Confirmations,
		ExpiresAt: optTime(sess.ExpiresAt)}
	// The address is watched until the session ends; a provider's own
	// deadline for the action, when it sets one, is the deposit's.
	if p.Action != nil && !p.Action.ExpiresAt.IsZero() {
		dep.ExpiresAt = optTime(p.Action.ExpiresAt)
	}
	j.Deposit = dep
}

// tokenDecimal writes an amount of token base units (a base-10 integer
// string) in whole tokens with all its decimals: "25000000", 6 → "25.000000".
// What is not an integer is written as it is.
func tokenDecimal(units string, decimals int) string {
	n, ok := new(big.Int).SetString(units, 10)
	if !ok || n.Sign() < 0 || decimals < 0 {
		return units
	}
	digits := n.String()
	if decimals == 0 {
		return digits
	}
	if len(digits) <= decimals {
		digits = strings.Repeat("0", decimals-len(digits)+1) + digits
	}
	return digits[:len(digits)-decimals] + "." + digits[len(digits)-decimals:]
}

// received is the sum of the transfers seen at the deposit's address, in
// token base units.
func received(d *checkout.Deposit) string {
	sum := new(big.Int)
	for _, t := range d.Transfers {
		if n, ok := new(big.Int).SetString(t.Amount, 10); ok {
			sum.Add(sum, n)
		}
	}
	return sum.String()
}

// FormatCheckoutSessions is the webhook endpoint format of seed 003's
// integrations: data.object of a session event is the session as
// /v1/checkout_sessions shows it.
const FormatCheckoutSessions = "checkout_sessions"

// CheckoutSessionsEvents encodes an event for endpoints of format
// checkout_sessions (a service.EventEncoder): the canonical envelope (same
// id, type, created, sequence), with a session in seed 003's shape. Other
// objects (payments, refunds, links) keep their canonical shape. Tokens
// describes the supported tokens (Service.TokenInfo's directory; nil:
// none configured). A webhook carries no deposit, and payment_intent_id
// only once a payment completed the session: the encoder reads no store.
type CheckoutSessionsEvents struct {
	PublicURL string
	Tokens    checkout.TokenDirectory
}

// EncodeEvent implements service.EventEncoder.
func (e CheckoutSessionsEvents) EncodeEvent(ev *checkout.Event) ([]byte, error) {
	base := strings.TrimRight(e.PublicURL, "/")
	out := renderEventAt(ev, base)
	if ev.Session != nil && ev.Payment == nil {
		out.Data.Object = renderChkSession(ev.Session, base, e.tokenInfo)
	}
	return json.Marshal(out)
}

func (e CheckoutSessionsEvents) tokenInfo(livemode bool, tc checkout.TokenChain) (checkout.TokenInfo, bool) {
	if e.Tokens == nil {
		return checkout.TokenInfo{}, false
	}
	for _, t := range e.Tokens.Tokens(livemode) {
		if t.Chain == tc.Chain && t.Token == tc.Token {
			return t, true
		}
	}
	return checkout.TokenInfo{}, false
}

// EventFormats are the webhook formats the HTTP layer renders beyond the
// canonical one, for service.Config.EventFormats; a later dialect's format
// is one more entry.
func EventFormats(publicURL string, tokens checkout.TokenDirectory) map[string]service.EventEncoder {
	return map[string]service.EventEncoder{
		FormatCheckoutSessions: CheckoutSessionsEvents{PublicURL: publicURL, Tokens: tokens},
		FormatV2:               V2Events{PublicURL: publicURL},
	}
}
