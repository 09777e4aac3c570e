package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// Continuing on another device: every open session's page offers a QR code
// of its own address, so a customer who started on a laptop can pay on a
// phone (a wallet app, a banking app for a voucher). The session stays one
// session: the code is its page's URL, nothing more, and grants nothing the
// address bar does not already show.
//
// The code is on a page of its own, linked from every open session's page:
// drawn on the page itself it would cost every page a few kilobytes of its
// size budget for a feature most customers never open.

// handoffPath is the path of the session's handoff page.
func handoffPath(sessionID string) string { return "/checkout/" + sessionID + "/handoff" }

// tokenHandoffPath is the handoff page of sess's page at /p/{token}.
func tokenHandoffPath(sess *checkout.Session) string { return "/p/" + sess.PublicToken + "/handoff" }

// showHandoff shows the QR code of an open session's page at
// /checkout/{id}, with the way back to it.
func (s *Server) showHandoff(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.FindSessionPage(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.handoff(w, r, sess, acct, "/checkout/"+sess.ID, service.SessionURL(s.svc.PublicURL(), sess.ID))
}

// showTokenHandoff is the handoff page of the page at /p/{token}: its code
// is that URL, the one the customer is on. The token finds the session as
// /p/{token} does (compared whole, in constant time); any other is not
// found.
func (s *Server) showTokenHandoff(w http.ResponseWriter, r *http.Request) {
	sess, acct, err := s.svc.OpenSessionByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.handoff(w, r, sess, acct, "/p/"+sess.PublicToken, service.PageURL(s.svc.PublicURL(), sess))
}

// handoff writes the page with the QR code of pageURL, the address of
// sess's page at path, and the way back to it. A session that is over has
// nothing to continue: its page says why.
func (s *Server) handoff(w http.ResponseWriter, r *http.Request, sess *checkout.Session, acct *checkout.Account, path, pageURL string) {
	d := s.pageFor(r, sess, acct)
	if d.Handoff == "" {
		http.Redirect(w, r, path, http.StatusSeeOther)
		return
	}
	d.Kind, d.Heading, d.Body = "status", tr(d.Lang, "handoff"), tr(d.Lang, "handoff_scan")
	d.HandoffQR = qrSVG(pageURL, tr(d.Lang, "handoff_label"))
	d.ContinueURL, d.ContinueLabel, d.Handoff = path, tr(d.Lang, "handoff_back"), ""
	s.renderPage(w, r, d, http.StatusOK, sess)
}

var handoffMessages = map[string]map[string]string{
	"en": {
		"handoff":       "Continue on another device",
		"handoff_scan":  "Scan this code with your phone's camera to open this checkout there.",
		"handoff_label": "QR code of this checkout page's address",
		"handoff_back":  "Back to the checkout",
	},
	"pt": {
		"handoff":       "Continuar noutro dispositivo",
		"handoff_scan":  "Leia este código com a câmara do telemóvel para abrir este pagamento nele.",
		"handoff_label": "Código QR do endereço desta página de pagamento",
		"handoff_back":  "Voltar ao pagamento",
	},
	"fr": {
		"handoff":       "Continuer sur un autre appareil",
		"handoff_scan":  "Scannez ce code avec l’appareil photo de votre téléphone pour y ouvrir ce paiement.",
		"handoff_label": "Code QR de l’adresse de cette page de paiement",
		"handoff_back":  "Retour au paiement",
	},
}

func init() { mergeMessages(handoffMessages) }
