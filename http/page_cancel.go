package http

import (
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// cancelFromPage is the customer's cancel link on the page of a session
// made through seed 003's API: a form post with the session's CSRF token
// that cancels the session (checkout.session.canceled), then sends the
// customer to cancel_url. A session that is no longer open stays as it is
// and the customer sees its page. Other sessions keep a plain link to
// cancel_url, which ends nothing: they are not found here.
func (s *Server) cancelFromPage(w http.ResponseWriter, r *http.Request) {
	if !service.IsCheckoutSessionsID(r.PathValue("id")) {
		s.pageError(w, r, checkout.ErrNotFound)
		return
	}
	sess, _, ok := s.pagePost(w, r)
	if !ok {
		return
	}
	done, err := s.svc.CancelSession(r.Context(), sess.Scope(), sess.ID)
	switch {
	case checkout.IsKind(err, checkout.KindState):
		http.Redirect(w, r, pagePath(sess), http.StatusSeeOther)
	case err != nil:
		s.pageError(w, r, err)
	default:
		http.Redirect(w, r, done.CancelURL, http.StatusSeeOther)
	}
}
