package http

import (
	"net/http"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// The promotion code field of a session that allows codes: a form of its
// own in the order summary, posted to /checkout/{id}/promotion_code, that
// works without JavaScript (post/redirect/get, errors in the flash).

// promotionMessages are the page's words for codes, merged into messages
// (page_i18n.go).
var promotionMessages = map[string]map[string]string{
	"en": {
		"promotion_code":         "Promotion code",
		"promotion_apply":        "Apply",
		"promotion_remove":       "Remove",
		"promotion_applied":      "Code %s applied",
		"promotion_invalid":      "This code is not valid for this order.",
		"promotion_empty":        "Enter a code.",
		"discount_exhausted":     "This discount has been used as many times as it may be. Remove the code to pay without it.",
		"discount_fixed_exhaust": "This discount has been used as many times as it may be; this order can no longer be paid.",
		"discount_locked":        "A payment for this order is waiting to be completed; the code cannot change until it ends.",
	},
	"pt": {
		"promotion_code":         "Código promocional",
		"promotion_apply":        "Aplicar",
		"promotion_remove":       "Remover",
		"promotion_applied":      "Código %s aplicado",
		"promotion_invalid":      "Este código não é válido para esta encomenda.",
		"promotion_empty":        "Introduza um código.",
		"discount_exhausted":     "Este desconto já foi usado todas as vezes permitidas. Remova o código para pagar sem ele.",
		"discount_fixed_exhaust": "Este desconto já foi usado todas as vezes permitidas; esta encomenda já não pode ser paga.",
		"discount_locked":        "Um pagamento desta encomenda aguarda conclusão; o código não pode mudar até que termine.",
	},
	"fr": {
		"promotion_code":         "Code promotionnel",
		"promotion_apply":        "Appliquer",
		"promotion_remove":       "Retirer",
		"promotion_applied":      "Code %s appliqué",
		"promotion_invalid":      "Ce code n’est pas valable pour cette commande.",
		"promotion_empty":        "Saisissez un code.",
		"discount_exhausted":     "Cette remise a été utilisée autant de fois que permis. Retirez le code pour payer sans elle.",
		"discount_fixed_exhaust": "Cette remise a été utilisée autant de fois que permis ; cette commande ne peut plus être payée.",
		"discount_locked":        "Un paiement de cette commande attend d’être terminé ; le code ne peut pas changer avant sa fin.",
	},
}

func init() { mergeMessages(promotionMessages) }

// pagePromotion is what the summary shows of a session's discount and
// code field.
type pagePromotion struct {
	// Form is set when the customer may enter (or remove) a code: the
	// session allows codes and the page is the payment form.
	Form bool
	// Applied is the code the customer applied ("" when none); Label
	// names the discount line (the code, else the coupon's name).
	Applied, Label string
	Subtotal       string
}

// promotionFor fills d's discount parts from sess.
func promotionFor(d *pageData, sess *checkout.Session) {
	d.Promotion.Form = sess.AllowPromotionCodes
	if sess.AmountDiscount > 0 {
		d.Promotion.Subtotal = formatMoney(sess.AmountSubtotal, sess.Currency, d.Lang)
	}
	if len(sess.Discounts) == 0 {
		return
	}
	ds := sess.Discounts[0]
	switch {
	case ds.Code != "":
		d.Promotion.Label = ds.Code
	case ds.Name != "":
		d.Promotion.Label = ds.Name
	}
	if sess.AllowPromotionCodes {
		d.Promotion.Applied = ds.Code
	}
}

// promotionCode is POST /checkout/{id}/promotion_code: promotion_code
// applies the code typed, remove takes the applied one off. It answers
// 303 to the page; a code that does not apply writes nothing and comes
// back as the field's error. Tries count against the client's payment
// attempts, so codes cannot be guessed faster than cards.
func (s *Server) promotionCode(w http.ResponseWriter, r *http.Request) {
	sess, acct, ok := s.pagePost(w, r)
	if !ok {
		return
	}
	d := s.pageFor(r, sess, acct)
	if !s.payLimit.allow(limitKey(s.clientIP(r)), s.svc.Now()) {
		d.Alert = tr(d.Lang, "rate_limited")
		w.Header().Set("Retry-After", "60")
		s.renderState(w, r, sess, d, http.StatusTooManyRequests)
		return
	}
	f := flash{Errors: map[string]string{}, Values: map[string]string{}}
	code := strings.TrimSpace(r.PostFormValue("promotion_code"))
	var err error
	if r.PostFormValue("remove") != "" {
		_, err = s.svc.RemovePromotionCode(r.Context(), sess.ID)
	} else {
		_, err = s.svc.ApplyPromotionCode(r.Context(), sess.ID, code)
	}
	e, isDomain := err.(*checkout.Error)
	switch {
	case err == nil:
	case isDomain && e.Kind == checkout.KindInvalid:
		f.Errors["promotion_code"] = tr(d.Lang, "promotion_invalid")
		if e.Code == "parameter_missing" {
			f.Errors["promotion_code"] = tr(d.Lang, "promotion_empty")
		}
		if len(code) <= maxKeptValue {
			f.Values["promotion_code"] = code
		}
	case isDomain && e.Kind == checkout.KindState && e.Code == "payment_in_progress":
		f.Alert = tr(d.Lang, "in_progress")
	case isDomain && e.Kind == checkout.KindState && e.Code == "payment_pending":
		f.Alert = tr(d.Lang, "discount_locked")
	case isDomain && e.Kind == checkout.KindState:
		// Ended meanwhile: the page shows why.
	default:
		s.pageError(w, r, err)
		return
	}
	s.redirectFlash(w, r, sess, f)
}
