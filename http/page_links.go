package http

import (
	"errors"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"

	"github.com/checkoutd/checkoutd/service"
)

// visitLink is a customer's visit to a payment link (/l/{id}): a 303 to the
// page of the session the visit mints. A link that mints nothing (inactive,
// expired, its limit reached, or single-use and used) shows a page of its
// own in the page's frame, with the merchant and what the link sells, as
// 410 Gone: the link exists, but it no longer leads to a payment. An
// unknown link is the page's 404.
func (s *Server) visitLink(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.VisitPaymentLink(r.Context(), r.PathValue("id"))
	var u *service.LinkUnavailable
	if !errors.As(err, &u) {
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
		return
	}
	l := u.Link
	lang := pageLanguage("", r.Header.Get("Accept-Language"))
	d := &pageData{Lang: lang, Nonce: checkout.RandomString(22), Title: tr(lang, "title"), Kind: "status", Merchant: acct.PublicName(),
		BrandCSS: brandCSS(acct.Profile.Branding), PoweredBy: s.poweredBy, TermsURL: acct.Profile.TermsURL, PrivacyURL: acct.Profile.PrivacyURL,
		Description: l.Description, TestMode: !l.Livemode, Total: formatMoney(l.Amount, l.Currency, lang), Errors: map[string]string{}}
	if acct.Profile.Branding.Logo != "" {
		d.Logo = filePath(acct.Profile.Branding.Logo)
	}
	for _, li := range l.LineItems {
		d.Items = append(d.Items, pageItem{Name: li.Name, Description: li.Description, Quantity: li.Quantity,
			Amount: formatMoney(li.AmountTotal, li.Currency, lang), Initial: initial(li.Name)})
	}
	d.Heading = tr(lang, "link_"+u.Reason+"_title")
	d.Body = tr(lang, "link_"+u.Reason+"_body", d.Merchant)
	status := http.StatusGone
	if u.Reason == service.LinkCannotPay {
		// The shop's setup, not the link, is at fault, and may be mended.
		d.Heading, d.Body = tr(lang, "unavailable_title"), tr(lang, "unavailable_body", d.Merchant)
		status = http.StatusServiceUnavailable
	}
	s.renderPage(w, r, d, status, nil)
}
