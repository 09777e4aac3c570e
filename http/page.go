package http

import (
	"bytes"
	"compress/gzip"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
	"github.com/checkoutd/checkoutd/service"
)

//go:embed html/page.html html/collect.html
var pageFS embed.FS

var pageTemplate = template.Must(template.New("").Funcs(template.FuncMap{
	"t":     tr,
	"field": newField,
}).ParseFS(pageFS, "html/page.html", "html/collect.html"))

// pageData is everything a hosted page shows.
type pageData struct {
	Lang, Nonce, Title, Merchant, Kind string
	TestMode, Script                   bool

	// The account's face: logo (a path on this server), branding as CSS
	// (brandCSS), the operator's footer text and the merchant's links.
	Logo                 string
	BrandCSS             template.CSS
	PoweredBy            string
	TermsURL, PrivacyURL string

	Items                 []pageItem
	Description           string // the session's, shown with the summary
	Fulfillment           string // how the order reaches the customer (seed 000), in words
	Total, Discount, Tax  string
	Promotion             pagePromotion // the discount's line and code field (page_promotion.go)
	Email                 string
	EmailLocked           bool // the merchant set it: shown read-only
	ExpiresIn             string
	ExpiresLeftMS         int64 // by the server's clock
	CancelURL, CancelHost string
	// CancelPost makes the cancel link a form that cancels the session
	// (seed 003's sessions) before it goes to CancelURL.
	CancelPost   bool
	CSRF, Action string
	Errors       map[string]string
	// Values are what the customer typed before the last error, shown
	// again (never the card number or CVC: see neverKept).
	Values            map[string]string
	Alert, Notice     string
	Failure           string // a voucher's failure, shown as one
	PaymentID         string
	PaymentStatus     string
	CanSettle         bool
	Entity, Reference string
	VoucherExpires    string
	Heading, Body     string
	ContinueURL       string
	ContinueLabel     string
	Receipt           string // how a complete session was paid
	// Refresh, when set, reloads the page every so many seconds without
	// JavaScript, and with it checks the page as often and reloads once
	// it changed: a state that waits on something outside (a voucher).
	Refresh int
	collect collectInput // what the pay form collects (page_collect.go)
	// collectView is CollectView's result, built once per page: the error
	// summary and several templates read it.
	collectView *collectView

	// Forms are the methods whose form takes inputs, Buttons those that
	// are one button; the page shows them in that order.
	Forms, Buttons []pageMethod
	// Scripts are the providers' scripts the form loads; cspScript,
	// cspFrame and cspConnect the sources they add to the page's CSP.
	Scripts                         []string
	cspScript, cspFrame, cspConnect []string

	// AmountMinor and CurrencyCode are the total as a provider's script
	// takes it (Stripe's elements: minor units, a lowercase ISO code).
	AmountMinor  int64
	CurrencyCode string
	// The "action" state: a next action the payment's provider finishes in
	// the browser with ClientSecret (Stripe.js's handleNextAction), whose
	// script reads SDKData, then sends the customer to ReturnPath. The
	// secret is written into this page only, never logged.
	ClientSecret, ReturnPath string
	SDKData                  template.HTMLAttr

	// Stablecoins (page_deposit.go): the form's choice of token and chain,
	// the deposit page's payment, and on the form the way back to a
	// deposit still awaited.
	Coins          []coinChoice
	Deposit        *depositView
	PendingDeposit string
	PendingCoin    string

	// Handoff links an open session's page to the QR code of its address,
	// to continue on another device; HandoffQR is that code, on the
	// handoff page (page_handoff.go).
	Handoff   string
	HandoffQR template.HTML
}

// formFields are the card form's fields in the order the page shows them.
var formFields = []string{"email", "card_number", "card_expiry", "card_cvc"}

// fieldError is one line of the error summary above the form.
type fieldError struct{ Field, Text string }

// ErrorList is Errors for the summary: in the order of the form's fields,
// each named by its label, since a message such as "Required." says nothing
// on its own.
func (d *pageData) ErrorList() []fieldError {
	var out []fieldError
	order := d.fieldOrder() // formFields with what the page collects (page_collect.go)
	order = append(order, "promotion_code")
	for _, f := range order {
		if m, ok := d.Errors[f]; ok {
			out = append(out, fieldError{f, tr(d.Lang, "error_item", d.fieldLabel(f), m)})
		}
	}
	for _, f := range slices.Sorted(maps.Keys(d.Errors)) {
		if !slices.Contains(order, f) {
			out = append(out, fieldError{f, d.Errors[f]})
		}
	}
	return out
}

// pageMethod is a payment method as the page offers it, from its
// provider's description (checkout.PageSpec).
type pageMethod struct {
	Method string
	// Card: the page's own card inputs (number, expiry, CVC), which go to
	// the provider as card data; only the simulator asks for them.
	Card bool
	// Token: a hidden input a provider's script fills with a token.
	Token bool
	// Element: the provider's script draws its own card fields (Stripe's
	// Payment Element) into a mount point carrying Attrs and makes the
	// token there, so the page has no card input of its own and the
	// card never reaches checkoutd. Only the card method tokenises, so a
	// page has at most one.
	Element bool
	Attrs   template.HTMLAttr
	spec    checkout.PageSpec
}

// method returns the method m as the page offers it.
func (d *pageData) method(m checkout.Method) (pageMethod, bool) {
	for _, pm := range slices.Concat(d.Forms, d.Buttons) {
		if pm.Method == string(m) {
			return pm, true
		}
	}
	return pageMethod{}, false
}

type pageItem struct {
	Name, Description, Amount string
	Quantity                  int64
	// Image is the item's image as served from this server, or "": the
	// page then shows Initial in its place.
	Image, Initial string
}

type fieldData struct {
	ID, Name, Label, Autocomplete, Value, Mode, Error string
	ReadOnly                                          bool
}

func newField(d *pageData, id, name, autocomplete, value, mode string) fieldData {
	if value == "" && !neverKept[name] {
		value = d.Values[name]
	}
	return fieldData{ID: id, Name: name, Label: tr(d.Lang, id), Autocomplete: autocomplete, Value: value, Mode: mode, Error: d.Errors[id],
		ReadOnly: id == "email" && d.EmailLocked}
}

// pageFor fills the parts of pageData that come from the session.
func (s *Server) pageFor(r *http.Request, sess *checkout.Session, acct *checkout.Account) *pageData {
	lang := pageLanguage(sess.Locale, r.Header.Get("Accept-Language"))
	d := &pageData{
		Lang: lang, Nonce: checkout.RandomString(22), Title: tr(lang, "title"), Merchant: acct.PublicName(),
		BrandCSS: brandCSS(acct.Profile.Branding), PoweredBy: s.poweredBy, TermsURL: acct.Profile.TermsURL, PrivacyURL: acct.Profile.PrivacyURL,
		Description: sess.Description,
		Fulfillment: fulfillmentText(lang, sess.Fulfillment),
		TestMode:    !sess.Livemode, Total: formatMoney(sess.AmountTotal, sess.Currency, lang),
		Email: sess.CustomerEmail, EmailLocked: sess.CustomerEmailLocked, CSRF: sess.CSRFToken, Action: "/checkout/" + sess.ID,
		Errors:      map[string]string{},
		AmountMinor: sess.AmountTotal, CurrencyCode: strings.ToLower(string(sess.Currency)),
	}
	d.collect = collectInput{sess: sess, terms: acct.Profile.TermsURL} // page_collect.go
	if sess.AmountDiscount > 0 {
		d.Discount = formatMoney(sess.AmountDiscount, sess.Currency, lang)
	}
	promotionFor(d, sess)
	if sess.AmountTax > 0 {
		d.Tax = formatMoney(sess.AmountTax, sess.Currency, lang)
	}
	images := s.svc.ItemImages(r.Context(), sess)
	for i, li := range sess.LineItems {
		it := pageItem{Name: li.Name, Description: li.Description, Quantity: li.Quantity, Amount: formatMoney(li.AmountSubtotal, li.Currency, lang), Initial: initial(li.Name)}
		if images[i] != "" {
			it.Image = filePath(images[i])
		}
		d.Items = append(d.Items, it)
	}
	// An amount-only session has no items to list: its summary is the
	// merchant, the total and the session's description, nothing made up.
	if acct.Profile.Branding.Logo != "" {
		d.Logo = filePath(acct.Profile.Branding.Logo)
	}
	for _, mp := range s.svc.MethodPages(r.Context(), sess, acct) {
		if !mp.Available {
			// No provider takes the method in this mode (a live provider
			// removed since the session was made): not offered at all,
			// rather than a form whose Pay cannot work.
			continue
		}
		spec := mp.Spec
		pm := pageMethod{Method: string(mp.Method), spec: spec,
			Card: slices.Contains(spec.Fields, checkout.FieldCardNumber), Token: slices.Contains(spec.Fields, checkout.FieldToken)}
		if pm.Element = pm.Token && len(spec.Scripts) > 0; pm.Element {
			pm.Attrs = sdkData(spec.Data)
		}
		if len(spec.Fields) > 0 {
			d.Forms = append(d.Forms, pm)
		} else {
			d.Buttons = append(d.Buttons, pm)
		}
	}
	if len(sess.SupportedTokens) > 0 {
		d.Coins = coinChoices(sess, "")
	}
	now := s.svc.Now()
	if sess.StatusAt(now) == checkout.SessionOpen {
		d.Handoff = handoffPath(sess.ID)
	}
	// The countdown runs from the seconds left, not from expires_at: a
	// customer's clock that is fast would otherwise see the page expired at
	// once and reload it for ever.
	left := sess.ExpiresAt.Sub(now)
	d.ExpiresIn, d.ExpiresLeftMS = timeLeft(left), left.Milliseconds()
	if u, err := url.Parse(sess.CancelURL); err == nil && sess.CancelURL != "" {
		d.CancelURL, d.CancelHost = sess.CancelURL, u.Host
		d.CancelPost = service.IsCheckoutSessionsID(sess.ID)
	}
	return d
}

// fulfillmentText says how the order reaches the customer, "" when the
// session does not say.
func fulfillmentText(lang, f string) string {
	if f == "" {
		return ""
	}
	return tr(lang, "fulfillment_"+f)
}

// voucherRefreshSeconds is how often a waiting voucher's page reloads.
const voucherRefreshSeconds = 30

// brandName is a card brand as printed on a receipt.
func brandName(b string) string {
	switch b {
	case "visa":
		return "Visa"
	case "mastercard":
		return "Mastercard"
	case "amex":
		return "American Express"
	case "discover":
		return "Discover"
	}
	return strings.ToUpper(b[:min(1, len(b))]) + b[min(1, len(b)):]
}

// successURL is success_url with the session id in place of its placeholder.
func successURL(sess *checkout.Session) string {
	return strings.ReplaceAll(sess.SuccessURL, service.SessionIDPlaceholder, sess.ID)
}

// showSession renders the page a session calls for now: the form while it is
// open, otherwise a page about its state.
func (s *Server) showSession(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.OpenSession(r.Context(), r.PathValue("id"))
	s.showOpened(w, r, sess, acct, err, false)
}

// showTokenSession is the page at /p/{token}, seed 002's URL of a session:
// the same page, found by the session's public token. Its forms post to
// the session's own routes, as every page's do; its link to continue on
// another device is by the token too, so that the code is of this URL.
func (s *Server) showTokenSession(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.OpenSessionByToken(r.Context(), r.PathValue("token"))
	s.showOpened(w, r, sess, acct, err, true)
}

// showOpened writes the page of sess, just opened (or err); byToken when
// it was opened at /p/{token}.
func (s *Server) showOpened(w http.ResponseWriter, r *http.Request, sess *checkout.Session, acct *checkout.Account, err error, byToken bool) {
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if sess.Status == checkout.SessionOpen && r.URL.Query().Get("other") == "" {
		// A payment waiting at the counter: its page, which moves on by
		// itself (?other=1 shows the form, to pay another way).
		if p := s.pendingDevicePayment(r, sess); p != nil {
			http.Redirect(w, r, devicePath(sess, p), http.StatusSeeOther)
			return
		}
	}
	d := s.pageFor(r, sess, acct)
	if byToken && d.Handoff != "" {
		d.Handoff = tokenHandoffPath(sess)
	}
	if sess.Status == checkout.SessionOpen {
		d.Alert = s.deviceOutcomeAlert(r, sess, d.Lang)
	}
	if f, ok := s.takeFlash(w, r, sess); ok && sess.Status == checkout.SessionOpen {
		d.Errors, d.Alert, d.Values = f.Errors, f.Alert, f.Values
		if d.Errors == nil {
			d.Errors = map[string]string{}
		}
		if v := f.Values["email"]; v != "" && !d.EmailLocked {
			d.Email = v // a locked email stays the merchant's
		}
		if v := f.Values["stablecoin"]; v != "" && len(d.Coins) > 0 {
			d.Coins = coinChoices(sess, v)
		}
	}
	s.renderState(w, r, sess, d, http.StatusOK)
}

// renderState fills d for the session's state and writes the page.
func (s *Server) renderState(w http.ResponseWriter, r *http.Request, sess *checkout.Session, d *pageData, status int) {
	switch sess.Status {
	case checkout.SessionOpen:
		d.Kind, d.Script = "form", true
		if len(d.Forms)+len(d.Buttons) == 0 {
			// No provider takes any of its methods: say so plainly, with
			// the way back, instead of a form that cannot pay.
			d.Kind, d.Script, d.Heading, d.Body = "status", false, tr(d.Lang, "unavailable_title"), tr(d.Lang, "unavailable_body", d.Merchant)
			d.ContinueURL, d.ContinueLabel = sess.CancelURL, tr(d.Lang, "back")
			break
		}
		if s.svc.CardsRefused(sess) {
			// Card-testing protection: the card form could only be refused,
			// so it is not shown; the other methods are.
			d.Forms = slices.DeleteFunc(d.Forms, func(pm pageMethod) bool { return pm.Method == string(checkout.MethodCard) })
			d.Buttons = slices.DeleteFunc(d.Buttons, func(pm pageMethod) bool { return pm.Method == string(checkout.MethodCard) })
			if d.Alert == "" {
				d.Alert = tr(d.Lang, "too_many_attempts")
			}
			if len(d.Forms)+len(d.Buttons) == 0 {
				// Nothing left to pay with here: a final page whose one
				// action is the way back to the merchant.
				d.Kind, d.Script, d.Heading, d.Body = "locked", false, tr(d.Lang, "locked_title"), tr(d.Lang, "locked_body")
				d.Alert = tr(d.Lang, "too_many_attempts")
				d.ContinueURL, d.ContinueLabel = sess.CancelURL, tr(d.Lang, "back")
				break
			}
		}
		if d.PendingDeposit = s.pendingDeposit(r, sess); d.PendingDeposit != "" {
			d.PendingCoin = tr(d.Lang, "coin_on", sess.SelectedToken, chainName(sess.Chain))
		}
		for _, pm := range slices.Concat(d.Forms, d.Buttons) {
			d.Scripts = appendNew(d.Scripts, pm.spec.Scripts...)
			d.cspScript = appendNew(d.cspScript, pm.spec.ScriptSrc...)
			d.cspFrame = appendNew(d.cspFrame, pm.spec.FrameSrc...)
			d.cspConnect = appendNew(d.cspConnect, pm.spec.ConnectSrc...)
		}
	case checkout.SessionComplete:
		p, err := s.svc.FindPayment(r.Context(), sess.Payment)
		if err == nil && p.Method == checkout.MethodMultibanco {
			// A voucher's page follows its payment: instructions while it
			// waits, then paid or failed. A settled payment has no voucher
			// any more, so only the waiting state shows one.
			switch p.Status {
			case checkout.PaymentSucceeded:
				d.Kind, d.Heading, d.Notice = "voucher", tr(d.Lang, "complete_title"), tr(d.Lang, "voucher_paid")
				d.ContinueURL, d.ContinueLabel = successURL(sess), tr(d.Lang, "continue")
			case checkout.PaymentFailed, checkout.PaymentCanceled:
				d.Kind, d.Heading, d.Failure = "voucher", tr(d.Lang, "voucher_failed_title"), tr(d.Lang, "voucher_failed")
				if p.FailureCode == "voucher_expired" {
					d.Failure = tr(d.Lang, "voucher_expired")
				}
				d.ContinueURL, d.ContinueLabel = sess.CancelURL, tr(d.Lang, "back")
			default:
				d.Kind, d.Heading = "voucher", tr(d.Lang, "voucher_title")
				if p.Action != nil && p.Action.Voucher != nil {
					d.Entity, d.Reference = p.Action.Voucher.Entity, groupDigits(p.Action.Voucher.Reference)
					d.VoucherExpires = formatDate(p.Action.ExpiresAt, d.Lang)
				}
				// The page follows the payment by itself: without
				// JavaScript a reload now and then; with it, a look at the
				// page now and then (hence connect-src 'self') and a reload
				// only once the voucher is settled, since a timed reload
				// moves a screen reader's place for nothing (axe-core's
				// meta-refresh, a critical violation). Copy and print
				// buttons with JavaScript.
				d.Refresh, d.Script = voucherRefreshSeconds, true
				d.cspConnect = appendNew(d.cspConnect, "'self'")
				d.ContinueURL, d.ContinueLabel = successURL(sess), tr(d.Lang, "continue")
			}
			break
		}
		d.Kind, d.Heading, d.Body = "status", tr(d.Lang, "complete_title"), tr(d.Lang, "complete_body")
		d.ContinueURL, d.ContinueLabel = successURL(sess), tr(d.Lang, "continue")
		d.Receipt = tr(d.Lang, "paid", d.Total)
		if err == nil && p.CardLast4 != "" {
			d.Receipt = tr(d.Lang, "paid_card", d.Total, brandName(p.CardBrand), p.CardLast4)
		}
		if err == nil && p.Deposit != nil {
			d.Receipt = coinReceipt(d.Lang, d.Total, p)
		}
	case checkout.SessionExpired:
		d.Kind, d.Heading, d.Body = "status", tr(d.Lang, "expired_title"), tr(d.Lang, "expired_body")
		d.ContinueURL, d.ContinueLabel = sess.CancelURL, tr(d.Lang, "back")
	default:
		d.Kind, d.Heading, d.Body = "status", tr(d.Lang, "canceled_title"), tr(d.Lang, "canceled_body")
		d.ContinueURL, d.ContinueLabel = sess.CancelURL, tr(d.Lang, "back")
	}
	s.renderPage(w, r, d, status, sess)
}

// pay takes the payment form. Whatever happens, the answer is a 303 to a
// GET (post/redirect/get), so a refresh never submits again: bad input and
// declines back to the form, with every field error at once and what the
// customer typed (see page_flash.go); success to success_url; a 3-D Secure
// challenge or a voucher to their page. Only a post refused before it is
// read (rate limit, CSRF, size) answers with its own status.
func (s *Server) pay(w http.ResponseWriter, r *http.Request) {
	sess, acct, ok := s.pagePost(w, r)
	if !ok {
		return
	}
	if !s.payLimit.allow(limitKey(s.clientIP(r)), s.svc.Now()) {
		d := s.pageFor(r, sess, acct)
		d.Alert = tr(d.Lang, "rate_limited")
		w.Header().Set("Retry-After", "60")
		s.renderState(w, r, sess, d, http.StatusTooManyRequests)
		return
	}
	pp := service.PayParams{Method: postedMethod(r), Email: strings.TrimSpace(r.PostFormValue("email"))}
	d := s.pageFor(r, sess, acct)
	f := flash{Errors: map[string]string{}, Values: keptValues(r.PostForm)}
	pp.Collected = collectedFromForm(r) // what the page collects (page_collect.go)
	// The page takes the inputs the method's provider asked for, and only those.
	pm, _ := d.method(pp.Method)
	if pp.Method == checkout.MethodStablecoin {
		pp.Stablecoin = postedCoin(r)
	}
	if pm.Token {
		pp.Token = r.PostFormValue(string(checkout.FieldToken))
	}
	if pm.Card {
		c := &checkout.Card{Number: checkout.NormalizeCardNumber(r.PostFormValue("card_number")), CVC: strings.TrimSpace(r.PostFormValue("card_cvc"))}
		c.ExpMonth, c.ExpYear, _ = checkout.ParseExpiry(r.PostFormValue("card_expiry"))
		for field, v := range map[string]string{"card_number": c.Number, "card_expiry": r.PostFormValue("card_expiry"), "card_cvc": c.CVC} {
			if strings.TrimSpace(v) == "" {
				f.Errors[field] = tr(d.Lang, "required")
			}
		}
		pp.Card = c
	}
	// Every problem of what was typed, at once; Pay would name only the first.
	for _, e := range s.svc.InputProblems(sess, pp) {
		if field := formField(e.Param); f.Errors[field] == "" {
			f.Errors[field] = inputMessage(d.Lang, sess, pp.Collected, e)
		}
	}
	if len(f.Errors) > 0 {
		s.redirectFlash(w, r, sess, f)
		return
	}
	sess2, p, err := s.svc.Pay(r.Context(), sess.ID, pp)
	if err != nil {
		e, isDomain := err.(*checkout.Error)
		switch {
		case isDomain && (e.Kind == checkout.KindCard || e.Kind == checkout.KindInvalid):
			if field := formField(e.Param); field == "method" || field == "" {
				f.Alert = tr(d.Lang, "method_unavailable")
			} else if field == string(checkout.FieldToken) || (pm.Token && !pm.Card && strings.HasPrefix(field, "card_")) {
				// A hidden input the provider's script fills (no token, or
				// one the provider cannot take; the service names the
				// card when neither card nor token came): no field of the
				// page to point at, so the form says the card could not
				// be read.
				f.Alert = tr(d.Lang, "token_invalid")
			} else {
				f.Errors[field] = inputMessage(d.Lang, sess, pp.Collected, e)
			}
			s.redirectFlash(w, r, sess, f)
		case isDomain && e.Kind == checkout.KindState && (e.Code == "too_many_attempts" || e.Code == "payment_in_progress" || e.Code == "payment_link_exhausted"):
			f.Alert = tr(d.Lang, map[string]string{"too_many_attempts": "too_many_attempts", "payment_in_progress": "in_progress", "payment_link_exhausted": "link_exhausted"}[e.Code])
			s.redirectFlash(w, r, sess, f)
		case isDomain && e.Kind == checkout.KindState && (e.Code == "invoice_paid" || e.Code == "invoice_void" || e.Code == "invoice_draft" || e.Code == "invoice_payment_in_progress"):
			// The session's invoice cannot be paid through it now.
			f.Alert = tr(d.Lang, map[string]string{"invoice_paid": "invoice_paid", "invoice_void": "invoice_void", "invoice_draft": "invoice_void",
				"invoice_payment_in_progress": "invoice_in_progress"}[e.Code])
			s.redirectFlash(w, r, sess, f)
		case isDomain && e.Kind == checkout.KindState && (e.Code == "coupon_max_redemptions" || e.Code == "promotion_code_max_redemptions"):
			f.Alert = tr(d.Lang, "discount_fixed_exhaust")
			if sess.AllowPromotionCodes {
				f.Alert = tr(d.Lang, "discount_exhausted")
			}
			s.redirectFlash(w, r, sess, f)
		case isDomain && e.Kind == checkout.KindState:
			http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
		default:
			s.pageError(w, r, err)
		}
		return
	}
	s.afterPayment(w, r, sess2, d.Lang, f.Values, p)
}

// formField is the form's name for a field the service names: it names the
// session's customer_email, the form has email.
func formField(param string) string {
	switch param {
	case "customer_email":
		return "email"
	case "selected_token", "chain":
		return "coin" // the token and chain choice (page_deposit.go)
	}
	return param
}

// afterPayment sends the customer where a payment's outcome leads; kept is
// what they typed, shown again if they are to try again.
func (s *Server) afterPayment(w http.ResponseWriter, r *http.Request, sess *checkout.Session, lang string, kept map[string]string, p *checkout.Payment) {
	switch {
	case p.Status == checkout.PaymentSucceeded && sess.Status == checkout.SessionComplete:
		http.Redirect(w, r, successURL(sess), http.StatusSeeOther)
	case p.Status == checkout.PaymentRequiresAction && p.Action.IsChallenge():
		http.Redirect(w, r, pagePath(sess)+"/3ds/"+p.ID, http.StatusSeeOther)
	case p.Status == checkout.PaymentRequiresAction && p.Deposit != nil:
		http.Redirect(w, r, depositPath(sess, p), http.StatusSeeOther)
	case waitingOnDevice(p):
		http.Redirect(w, r, devicePath(sess, p), http.StatusSeeOther)
	case p.Status == checkout.PaymentRequiresAction && inBrowserStep(p.Action):
		http.Redirect(w, r, pagePath(sess)+"/action/"+p.ID, http.StatusSeeOther)
	case (p.Status == checkout.PaymentFailed || (p.Status == checkout.PaymentProcessing && p.FailureCode != "")) && sess.Status == checkout.SessionOpen:
		// (A processing payment with a failure code: its gateway could not
		// be reached, and the reconciler will find what became of it; the
		// customer is told to try again, as after a failure.)
		f := flash{Values: kept}
		if !s.svc.CardsRefused(sess) {
			// Not after the last attempt allowed: the page then says
			// cards are over rather than to try again.
			f.Alert = declineAlert(lang, p)
		}
		s.redirectFlash(w, r, sess, f)
	default:
		http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
	}
}

// cardMessage words a card validation error in the page's language.
func cardMessage(lang string, e *checkout.Error) string {
	key := map[string]string{
		"invalid_number": "card_number_invalid", "incorrect_number": "card_number_invalid",
		"invalid_expiry": "card_expiry_invalid", "expired_card": "card_expired",
		"invalid_cvc": "card_cvc_invalid", "email_invalid": "email_invalid", "parameter_missing": "required",
	}[e.Code]
	if key == "" {
		return e.Message
	}
	return tr(lang, key)
}

// showChallenge is the simulator's 3-D Secure challenge page.
func (s *Server) showChallenge(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.OpenSession(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, err := s.svc.FindPayment(r.Context(), r.PathValue("payment"))
	if err != nil || p.SessionID != sess.ID || p.Status != checkout.PaymentRequiresAction || !p.Action.IsChallenge() {
		http.Redirect(w, r, "/checkout/"+sess.ID, http.StatusSeeOther)
		return
	}
	d := s.pageFor(r, sess, acct)
	d.Kind, d.PaymentID, d.Title = "threeds", p.ID, tr(d.Lang, "threeds_title")
	s.renderPage(w, r, d, http.StatusOK, sess)
}

// challenge takes the answer to the 3-D Secure challenge.
func (s *Server) challenge(w http.ResponseWriter, r *http.Request) {
	sess, _, ok := s.pagePost(w, r)
	if !ok {
		return
	}
	lang := pageLanguage(sess.Locale, r.Header.Get("Accept-Language"))
	sess2, p, err := s.svc.ConfirmPayment(r.Context(), sess.ID, r.PathValue("payment"), checkout.ConfirmRequest{Completed: r.PostFormValue("result") == "complete"})
	if err != nil {
		if checkout.IsKind(err, checkout.KindState) || checkout.IsKind(err, checkout.KindNotFound) {
			http.Redirect(w, r, "/checkout/"+sess.ID, http.StatusSeeOther)
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.afterPayment(w, r, sess2, lang, nil, p)
}

// maxFormBytes bounds a page's form post; the card form is far smaller.
const maxFormBytes = 64 << 10

// pagePost checks a form post to a session's page: the session exists, the
// form carries its CSRF token and comes from this site. It answers 404, 403
// or, for a form too large, 413 itself when not.
func (s *Server) pagePost(w http.ResponseWriter, r *http.Request) (*checkout.Session, *checkout.Account, bool) {
	body := r.Body
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	sess, acct, err := s.svc.FindSessionPage(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return nil, nil, false
	}
	err = r.ParseForm()
	// A form too large was not read to its end, so its CSRF token is
	// unknown: that is a 413, not a forgery.
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		discardRest(w, r, body, maxFormBytes)
		d := s.pageFor(r, sess, acct)
		d.Kind, d.Heading, d.Body = "status", tr(d.Lang, "title"), tr(d.Lang, "too_large")
		d.ContinueURL, d.ContinueLabel = "/checkout/"+sess.ID, tr(d.Lang, "continue")
		s.renderPage(w, r, d, http.StatusRequestEntityTooLarge, sess)
		return nil, nil, false
	}
	if err != nil || !s.sameOrigin(r) ||
		subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf_token")), []byte(sess.CSRFToken)) != 1 || sess.CSRFToken == "" {
		d := s.pageFor(r, sess, acct)
		d.Kind, d.Heading, d.Body = "status", tr(d.Lang, "title"), tr(d.Lang, "forbidden")
		d.ContinueURL, d.ContinueLabel = "/checkout/"+sess.ID, tr(d.Lang, "continue")
		s.renderPage(w, r, d, http.StatusForbidden, sess)
		return nil, nil, false
	}
	return sess, acct, true
}

// sameOrigin refuses posts that a browser says came from another site.
func (s *Server) sameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	if site == "cross-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	switch origin {
	case "":
		return true // no Origin: a non-browser client, held to the token alone
	case "null":
		// Browsers hide the origin of a form post from a page whose
		// Referrer-Policy is no-referrer, as every page here is; the
		// page's own post then says Sec-Fetch-Site: same-origin.
		return site == "same-origin"
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	pub, err := url.Parse(s.svc.PublicURL())
	return err == nil && u.Scheme == pub.Scheme && u.Host == pub.Host
}

// pageError answers a page request that failed: 404 for an unknown session,
// otherwise a generic page (the error itself is logged, never shown).
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	lang := pageLanguage("", r.Header.Get("Accept-Language"))
	d := &pageData{Lang: lang, Nonce: checkout.RandomString(22), Title: tr(lang, "title"), Kind: "status", PoweredBy: s.poweredBy}
	status := http.StatusNotFound
	if checkout.IsKind(err, checkout.KindNotFound) {
		d.Heading, d.Body = tr(lang, "not_found_title"), tr(lang, "not_found_body")
	} else {
		status = http.StatusInternalServerError
		s.log.Error("page failed", "request_id", requestID(r.Context()), "err", err)
		d.Heading, d.Body = tr(lang, "title"), tr(lang, "error_generic")
	}
	s.renderPage(w, r, d, status, nil)
}

// gzipWriters are reused: a new compressor allocates about 800 KB, which
// would cost more than rendering the page.
var gzipWriters = sync.Pool{New: func() any {
	gz, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return gz
}}

// renderPage writes a page with the headers every page carries: a
// Content-Security-Policy allowing only this response's inline style and
// script (by nonce) and form posts to this site (and, for the redirect after
// paying, to the session's success URL), no framing, no referrer, no caching.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, d *pageData, status int, sess *checkout.Session) {
	var buf bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&buf, "page", d); err != nil {
		s.log.Error("rendering a page failed", "request_id", requestID(r.Context()), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	formAction := []string{"'self'"}
	if sess != nil {
		for _, raw := range []string{successURL(sess), sess.CancelURL} {
			if src, ok := formActionSource(raw); ok && !slices.Contains(formAction, src) {
				formAction = append(formAction, src)
			}
		}
	}
	// A provider's script, frames and calls are admitted by the sources its
	// page description names (the simulator names none).
	scriptSrc := strings.Join(append([]string{"'nonce-" + d.Nonce + "'"}, d.cspScript...), " ")
	var extra string
	if len(d.cspFrame) > 0 {
		extra += "; frame-src " + strings.Join(d.cspFrame, " ")
	}
	if len(d.cspConnect) > 0 {
		extra += "; connect-src " + strings.Join(d.cspConnect, " ")
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+d.Nonce+"'; script-src "+scriptSrc+"; img-src 'self'"+extra+"; form-action "+strings.Join(formAction, " ")+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		w.WriteHeader(status)
		gz := gzipWriters.Get().(*gzip.Writer)
		gz.Reset(w)
		gz.Write(buf.Bytes())
		gz.Close()
		gzipWriters.Put(gz)
		return
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// formActionSource is the CSP host-source that lets the page's form lead to
// raw, rebuilt from its parsed scheme, host and port, never copied: a stored
// URL (one written before hosts were checked, say) must not be able to add a
// source, a directive or a policy. ok is false when raw gives no source the
// CSP grammar allows (scheme "://" LDH host [":" port]); the URL is then left
// out of form-action, and the header stays valid. IPv6 literals are among
// them: CSP host-sources cannot name one.
func formActionSource(raw string) (src string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", false
	}
	h, err := netguard.ParseHost(u.Host)
	if err != nil || h.IP.Is6() {
		return "", false
	}
	src = u.Scheme + "://" + h.Name
	if h.Port != "" {
		src += ":" + h.Port
	}
	return src, true
}

// declineAlert says why a payment was declined and that the customer may
// try again. A card_declined reason is the decline itself ("Your card was
// declined."), so it is not put after a "Your payment was declined:" of our
// own; other reasons (funds, CVC, authentication) need it to be read as a
// decline.
func declineAlert(lang string, p *checkout.Payment) string {
	reason := declineReason(lang, p)
	switch {
	case reason == "":
		return tr(lang, "try_again", tr(lang, "declined_generic"))
	case p.FailureCode == "card_declined":
		return tr(lang, "try_again", reason)
	}
	return tr(lang, "declined", reason)
}

// declineReason words a payment's failure in the page's language: the
// provider's own message in English, a translation of a known code otherwise.
func declineReason(lang string, p *checkout.Payment) string {
	if m, ok := messages[lang]["decline_"+p.FailureCode]; ok && lang != "en" {
		return m
	}
	return p.FailureMessage
}

// appendNew appends to list the values it does not hold yet.
func appendNew(list []string, values ...string) []string {
	for _, v := range values {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}
