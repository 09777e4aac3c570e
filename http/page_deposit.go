package http

import (
	"html/template"
	"math/big"
	"net/http"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// The stablecoin parts of the hosted page: the choice of token and chain
// on the form, and the deposit page a selection leads to
// (/checkout/{id}/deposit/{payment}), which follows the payment until it
// is paid.

// depositRefreshSeconds is how often a waiting deposit's page looks again:
// a transfer's confirmations come every few seconds on most chains.
const depositRefreshSeconds = 10

// coinChoice is one token and chain the session takes, as a radio input.
type coinChoice struct {
	Value, Token, Chain string
	Checked             bool
}

// coinChoices are sess's supported tokens for the form; the one posted
// last (kept in the flash) is checked, else the first.
func coinChoices(sess *checkout.Session, kept string) []coinChoice {
	out := make([]coinChoice, len(sess.SupportedTokens))
	found := false
	for i, tc := range sess.SupportedTokens {
		out[i] = coinChoice{Value: tc.String(), Token: tc.Token, Chain: chainName(tc.Chain), Checked: tc.String() == kept}
		found = found || out[i].Checked
	}
	if !found && len(out) > 0 {
		out[0].Checked = true
	}
	return out
}

// chainName is a chain as people write it: Ethereum, Base, …
func chainName(c string) string {
	if c == "" {
		return ""
	}
	return strings.ToUpper(c[:1]) + c[1:]
}

// postedCoin reads the customer's selection: the form's one radio group
// (stablecoin=USDC@base), or token and chain posted apart.
func postedCoin(r *http.Request) checkout.TokenChain {
	if v := r.PostFormValue("stablecoin"); v != "" {
		tok, chain, _ := strings.Cut(v, "@")
		return checkout.TokenChain{Chain: chain, Token: tok}
	}
	return checkout.TokenChain{Chain: r.PostFormValue("chain"), Token: r.PostFormValue("token")}
}

// TestBanner is the test-mode banner: with the test card to use when the
// page takes cards, else without it (a stablecoin-only page has no card
// field the number could go in).
func (d *pageData) TestBanner() string {
	if _, card := d.method(checkout.MethodCard); card || len(d.Forms)+len(d.Buttons) == 0 && len(d.Coins) == 0 {
		return tr(d.Lang, "test_mode")
	}
	return tr(d.Lang, "test_mode_plain")
}

// depositView is what the deposit page shows of a payment's deposit.
type depositView struct {
	Amount, Token, Chain, Address string
	// URI is the EIP-681 request, made by checkoutd from a checked
	// address and contract: safe as a link (html/template would refuse
	// its ethereum: scheme otherwise).
	URI template.URL
	QR  template.HTML
	// Progress says where the transfer is; State is its short form, which
	// the page's script compares to reload once it changes.
	Progress, State string
	Received        bool
	// Simulate offers the test helper's settlement (test mode, no node).
	Simulate bool
}

// depositFor describes p's deposit in lang.
func depositFor(lang string, p *checkout.Payment, simulated bool) *depositView {
	d := p.Deposit
	v := &depositView{Amount: unitsDecimal(d.Amount, d.Decimals), Token: d.Token, Chain: chainName(d.Chain), Address: d.Address, URI: template.URL(d.URI),
		Simulate: simulated && !p.Livemode}
	v.QR = qrSVG(d.URI, tr(lang, "coin_qr_label", v.Amount, d.Token, v.Chain))
	due, _ := new(big.Int).SetString(d.Amount, 10)
	got := new(big.Int)
	least := -1 // the fewest confirmations of any transfer seen
	for _, t := range d.Transfers {
		if n, ok := new(big.Int).SetString(t.Amount, 10); ok {
			got.Add(got, n)
		}
		if least < 0 || t.Confirmations < least {
			least = t.Confirmations
		}
	}
	switch {
	case len(d.Transfers) == 0:
		v.Progress, v.State = tr(lang, "coin_waiting"), "waiting"
	case due != nil && got.Cmp(due) < 0:
		rest := new(big.Int).Sub(due, got)
		v.Received = true
		v.Progress = tr(lang, "coin_underpaid", unitsDecimal(got.String(), d.Decimals), d.Token, unitsDecimal(rest.String(), d.Decimals), d.Token)
		v.State = "underpaid:" + got.String()
	default:
		n := min(least, d.Confirmations)
		v.Received = true
		v.Progress = tr(lang, "coin_confirming", n, d.Confirmations)
		v.State = "confirming:" + itoa(n)
	}
	return v
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// showDeposit is a stablecoin payment's page: the exact amount, the
// address (text, copy button, QR code of its EIP-681 URI), the time left
// and what has arrived. It follows the payment: once it is final, or the
// session is no longer open, the session's own page says what became of it.
func (s *Server) showDeposit(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.OpenSession(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, err := s.svc.FindPayment(r.Context(), r.PathValue("payment"))
	if err != nil || p.SessionID != sess.ID || p.Deposit == nil || p.Status.Final() || sess.Status != checkout.SessionOpen {
		http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
		return
	}
	d := s.pageFor(r, sess, acct)
	d.Kind, d.PaymentID, d.Title = "deposit", p.ID, tr(d.Lang, "coin_title")
	d.Deposit = depositFor(d.Lang, p, s.svc.StablecoinSimulated(p.Livemode, p.Deposit.Chain))
	// As a waiting voucher: a reload now and then without JavaScript, a
	// look at the page with it (connect-src 'self'), and copy buttons.
	d.Refresh, d.Script = depositRefreshSeconds, true
	d.cspConnect = appendNew(d.cspConnect, "'self'")
	d.ContinueURL, d.ContinueLabel = pagePath(sess), tr(d.Lang, "coin_change")
	s.renderPage(w, r, d, http.StatusOK, sess)
}

// depositPath is the deposit page of payment p of sess.
func depositPath(sess *checkout.Session, p *checkout.Payment) string {
	return pagePath(sess) + "/deposit/" + p.ID
}

// pendingDeposit is the path of sess's latest deposit still awaited, ""
// when none: the form offers to go back to it rather than leave the
// customer wondering where the address went.
func (s *Server) pendingDeposit(r *http.Request, sess *checkout.Session) string {
	if sess.SelectedToken == "" {
		return ""
	}
	page, err := s.svc.ListPayments(r.Context(), sess.Scope(), checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}, SessionID: sess.ID})
	if err != nil {
		return ""
	}
	for _, p := range page.Items { // newest first
		if p.Deposit != nil && p.Status == checkout.PaymentRequiresAction {
			return depositPath(sess, p)
		}
	}
	return ""
}

// coinReceipt is how a complete session paid in a stablecoin was paid.
func coinReceipt(lang, total string, p *checkout.Payment) string {
	d := p.Deposit
	return tr(lang, "paid_coin", total, unitsDecimal(d.Amount, d.Decimals), d.Token, chainName(d.Chain))
}
