package http

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Languages the hosted page speaks. A session's locale picks one; "auto" (or
// none) follows the browser's Accept-Language; English is the fallback.
var pageLanguages = []string{"en", "pt", "fr"}

// pageLanguage chooses the page's language from the session's locale and the
// request's Accept-Language header.
func pageLanguage(locale, acceptLanguage string) string {
	if locale != "" && locale != "auto" {
		if l := baseLanguage(locale); isPageLanguage(l) {
			return l
		}
		return "en"
	}
	type choice struct {
		lang string
		q    float64
	}
	best := choice{"en", 0}
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if l := baseLanguage(tag); isPageLanguage(l) && q > best.q {
			best = choice{l, q}
		}
	}
	return best.lang
}

func baseLanguage(tag string) string {
	l, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	return l
}

func isPageLanguage(l string) bool {
	for _, p := range pageLanguages {
		if p == l {
			return true
		}
	}
	return false
}

// currencySymbols are the symbols the page shows; other currencies show
// their ISO code.
var currencySymbols = map[checkout.Currency]string{
	"GHS": "GH₵", "EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "BRL": "R$",
	"CHF": "CHF", "NGN": "₦", "KES": "KSh", "ZAR": "R", "INR": "₹", "CNY": "CN¥",
	"XOF": "F CFA", "XAF": "FCFA", "BHD": "BHD", "KWD": "KWD", "CAD": "CA$", "AUD": "A$",
}

// formatMoney renders amount minor units of c for a reader of lang: English
// puts the symbol first with ',' thousands ("GH₵50.00", "¥5,000");
// Portuguese and French put it last with a ',' decimal mark and a
// non-breaking space between groups ("99,99 €", "1 234,50 €").
func formatMoney(amount int64, c checkout.Currency, lang string) string {
	plain := checkout.FormatAmount(amount, c) // "1234.50"
	neg := strings.HasPrefix(plain, "-")
	plain = strings.TrimPrefix(plain, "-")
	whole, frac, _ := strings.Cut(plain, ".")
	sym, ok := currencySymbols[c]
	if !ok {
		sym = string(c)
	}
	group, dec := ",", "."
	if lang != "en" {
		group, dec = "\u00a0", ","
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	num := b.String()
	if frac != "" {
		num += dec + frac
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if lang == "en" {
		if len(sym) == 3 && sym == string(c) {
			return sign + sym + "\u00a0" + num
		}
		return sign + sym + num
	}
	return sign + num + "\u00a0" + sym
}

// timeLeft says how long until t, coarsely ("23 h 59 min", "4 min").
func timeLeft(d time.Duration) string {
	if d < time.Minute {
		return "< 1 min"
	}
	d = d.Truncate(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h >= 48:
		return fmt.Sprintf("%d d", h/24)
	case h > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	}
	return fmt.Sprintf("%d min", m)
}

// monthNames are the months as a date in each language names them; a
// language not listed uses English's.
var monthNames = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"pt": {"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
}

// formatDate renders t in UTC as a reader of lang writes a date
// ("10 December 2026, 07:05 UTC", "10 de dezembro de 2026, …"), rather
// than as ISO, which reads as a machine's.
func formatDate(t time.Time, lang string) string {
	t = t.UTC()
	months, ok := monthNames[lang]
	if !ok {
		months = monthNames["en"]
	}
	return tr(lang, "date", t.Day(), months[t.Month()-1], t.Year(), t.Format("15:04"))
}

// groupDigits spaces a reference in groups of three from the left, as banks
// print Multibanco references ("123 456 789"), so it is easier to read out
// and type.
func groupDigits(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// messages are the page's words in each language. Keys are English phrases'
// short names; a missing translation falls back to English.
var messages = map[string]map[string]string{
	"en": {
		"title":                "Checkout",
		"pay_to":               "Pay %s",
		"item":                 "Item",
		"qty":                  "Qty",
		"amount":               "Amount",
		"subtotal":             "Subtotal",
		"discount":             "Discount",
		"tax":                  "Tax",
		"total":                "Total",
		"email":                "Email",
		"card":                 "Card",
		"card_number":          "Card number",
		"card_expiry":          "Expiry (MM/YY)",
		"card_cvc":             "Security code (CVC)",
		"pay":                  "Pay %s",
		"multibanco":           "Multibanco",
		"multibanco_get":       "Get a Multibanco reference",
		"expires_in":           "This page expires in %s.",
		"cancel":               "Cancel and return to %s",
		"test_mode":            "Test mode: no real money moves. Use card 4242 4242 4242 4242, any future date, any CVC.",
		"errors_title":         "Please correct the following:",
		"error_item":           "%s: %s",
		"complete_title":       "Payment received",
		"complete_body":        "Thank you. This payment is complete.",
		"continue":             "Continue",
		"expired_title":        "This checkout has expired",
		"expired_body":         "The time to pay has run out. Return to the shop to start again.",
		"canceled_title":       "This checkout was canceled",
		"canceled_body":        "Nothing was charged. Return to the shop to start again.",
		"back":                 "Return to the shop",
		"voucher_title":        "Pay at a Multibanco ATM or in your bank's app",
		"voucher_entity":       "Entity",
		"voucher_reference":    "Reference",
		"voucher_amount":       "Amount",
		"voucher_expires":      "Pay by %s.",
		"voucher_paid":         "The payment has been received.",
		"voucher_failed_title": "The Multibanco payment did not go through",
		"voucher_failed":       "The payment failed. Nothing was charged. Return to the shop to choose another way to pay.",
		"voucher_expired":      "The voucher expired unpaid. Nothing was charged. Return to the shop to start again.",
		"threeds_title":        "Confirm this payment with your bank",
		"threeds_body":         "Your bank asks you to confirm a payment of %s to %s.",
		"threeds_complete":     "Complete",
		"threeds_fail":         "Fail",
		"threeds_sim":          "This is the test-mode simulation of a 3-D Secure challenge.",
		"sdk_needs_js":         "Paying by card here needs JavaScript. Turn it on and reload the page, or choose another way to pay.",
		"sdk_loading":          "Loading the secure card form…",
		"sdk_failed":           "The card form could not load. Check your connection and reload the page, or choose another way to pay.",
		"action_failed":        "Your bank's check could not load. Check your connection and reload this page.",
		"token_invalid":        "Your card details could not be read. Try again.",
		"confirming_title":     "Confirming your payment…",
		"confirming_body":      "Your bank may ask you to confirm it. Keep this page open.",
		"action_needs_js":      "Confirming this payment needs JavaScript. Turn it on and reload the page, or go back and choose another way to pay.",
		"back_to_form":         "Back to the payment form",
		"declined":             "Your payment was declined: %s You can try again.",
		"try_again":            "%s You can try again.",
		"declined_generic":     "Your payment was declined.",
		"too_many_attempts":    "Too many declined attempts. This checkout no longer accepts cards.",
		"locked_title":         "This payment cannot be completed here",
		"locked_body":          "Nothing was charged. Return to the shop to start again, or contact the shop.",
		"unavailable_title":    "This shop cannot take payments yet",
		"unavailable_body":     "%s has not finished setting up payments, so this checkout cannot be paid. Nothing has been charged. Please return to the shop or contact them.",
		"method_unavailable":   "This payment method is not available for this checkout.",
		"required":             "Required.",
		"email_invalid":        "Enter a valid email address.",
		"not_found_title":      "Checkout not found",
		"not_found_body":       "This link is not valid.",
		"rate_limited":         "Too many attempts. Wait a minute and try again.",
		"in_progress":          "A payment for this checkout is already in progress. Wait a moment and reload.",
		"link_inactive_title":  "This payment link is not active",
		"link_inactive_body":   "%s is not taking payments through this link right now. Nothing has been charged. Contact them for another way to pay.",
		"link_expired_title":   "This payment link has expired",
		"link_expired_body":    "The time to pay through this link has run out. Nothing has been charged. Contact %s for another way to pay.",
		"link_exhausted_title": "This payment link is no longer available",
		"link_exhausted_body":  "Everything offered through this link has been paid for. Nothing has been charged. Contact %s if you need more.",
		"link_used_title":      "This payment link has been used",
		"link_used_body":       "This link was for one payment, and it has been used. Nothing more can be paid through it. Contact %s for another way to pay.",
		"link_exhausted":       "Everything offered through this payment link has just been paid for, so this payment was not taken. Nothing has been charged.",
		"invoice_paid":         "This invoice has already been paid, so this payment was not taken. Nothing has been charged.",
		"invoice_void":         "This invoice has been cancelled by the merchant and can no longer be paid. Nothing has been charged.",
		"invoice_in_progress":  "This invoice is being paid in another window. Nothing has been charged here; try again in a few minutes if that payment does not go through.",
		"error_generic":        "Something went wrong. Please try again.",
		"card_number_invalid":  "The card number is not valid.",
		"card_expiry_invalid":  "Enter the expiry date as MM/YY.",
		"card_expired":         "The card has expired.",
		"card_cvc_invalid":     "The security code is not valid.",
		"forbidden":            "This form has expired or did not come from this page. Reload the page and try again.",
		"too_large":            "This form is too large to send. Reload the page and try again.",
		"test_helper_title":    "Test payment",
		"test_helper_body":     "Settle this voucher as its bank would: paid, or failed.",
		"test_succeed":         "Succeed",
		"test_fail":            "Fail",
		"date":                 "%d %s %d, %s UTC",
		// What the pay form collects (page_collect.go).
		"full_name":            "Full name",
		"phone":                "Phone number",
		"phone_hint":           "With the country code, such as +44 20 7946 0958.",
		"shipping_address":     "Shipping address",
		"billing_address":      "Billing address",
		"billing_same":         "Same as the shipping address",
		"country":              "Country",
		"address_line1":        "Address",
		"address_line2":        "Address line 2",
		"city":                 "City",
		"postal_code":          "Postal code",
		"zip_code":             "ZIP code",
		"postcode":             "Postcode",
		"state":                "State",
		"province":             "Province",
		"region":               "State, province or region",
		"for_example":          "For example %s",
		"optional":             "optional",
		"choose":               "Choose…",
		"terms_agree":          "I agree to the",
		"terms_of_service":     "terms of service",
		"terms_title":          "Terms of service",
		"submit_book":          "Book",
		"submit_donate":        "Donate",
		"postal_code_invalid":  "Enter the code as %s.",
		"state_invalid":        "Enter the two-letter code, such as %s.",
		"country_unsupported":  "This shop does not ship to this country.",
		"country_invalid":      "Choose a country.",
		"phone_invalid":        "Enter the number with its country code, such as +44 20 7946 0958.",
		"numeric_invalid":      "Enter digits only.",
		"option_invalid":       "Choose one of the options.",
		"too_short":            "Enter at least %d characters.",
		"too_long":             "Enter at most %d characters.",
		"value_invalid":        "This value is not valid.",
		"consent_required":     "Accept the terms of service to continue.",
		"card_info":            "Card information",
		"secure":               "Payments are secure and encrypted.",
		"or":                   "or",
		"copy":                 "Copy",
		"print":                "Print",
		"voucher_waiting":      "This page updates by itself when the payment arrives.",
		"terms":                "Terms",
		"privacy":              "Privacy",
		"paid":                 "Paid: %s.",
		"paid_card":            "Paid %s with %s •••• %s.",
		"fulfillment_shipping": "Delivered to your address",
		"fulfillment_pickup":   "Pickup in store",
		"fulfillment_digital":  "Digital delivery",
	},
	"pt": {
		"title":                         "Pagamento",
		"pay_to":                        "Pagar a %s",
		"item":                          "Artigo",
		"qty":                           "Qtd.",
		"amount":                        "Valor",
		"subtotal":                      "Subtotal",
		"discount":                      "Desconto",
		"tax":                           "Imposto",
		"total":                         "Total",
		"email":                         "Email",
		"card":                          "Cartão",
		"card_number":                   "Número do cartão",
		"card_expiry":                   "Validade (MM/AA)",
		"card_cvc":                      "Código de segurança (CVC)",
		"pay":                           "Pagar %s",
		"multibanco":                    "Multibanco",
		"multibanco_get":                "Obter referência Multibanco",
		"expires_in":                    "Esta página expira em %s.",
		"cancel":                        "Cancelar e voltar a %s",
		"test_mode":                     "Modo de teste: nenhum dinheiro real é movimentado. Use o cartão 4242 4242 4242 4242, uma data futura e qualquer CVC.",
		"errors_title":                  "Corrija o seguinte:",
		"error_item":                    "%s: %s",
		"complete_title":                "Pagamento recebido",
		"complete_body":                 "Obrigado. Este pagamento está concluído.",
		"continue":                      "Continuar",
		"expired_title":                 "Este pagamento expirou",
		"expired_body":                  "O prazo para pagar terminou. Volte à loja para começar de novo.",
		"canceled_title":                "Este pagamento foi cancelado",
		"canceled_body":                 "Nada foi cobrado. Volte à loja para começar de novo.",
		"back":                          "Voltar à loja",
		"voucher_title":                 "Pague num multibanco ou na app do seu banco",
		"voucher_entity":                "Entidade",
		"voucher_reference":             "Referência",
		"voucher_amount":                "Valor",
		"voucher_expires":               "Pague até %s.",
		"voucher_paid":                  "O pagamento foi recebido.",
		"voucher_failed_title":          "O pagamento Multibanco não foi concluído",
		"voucher_failed":                "O pagamento falhou. Nada foi cobrado. Volte à loja para escolher outra forma de pagar.",
		"voucher_expired":               "A referência expirou sem pagamento. Nada foi cobrado. Volte à loja para começar de novo.",
		"threeds_title":                 "Confirme este pagamento com o seu banco",
		"threeds_body":                  "O seu banco pede que confirme um pagamento de %s a %s.",
		"threeds_complete":              "Concluir",
		"threeds_fail":                  "Falhar",
		"threeds_sim":                   "Esta é a simulação, em modo de teste, de um desafio 3-D Secure.",
		"sdk_needs_js":                  "Pagar com cartão aqui requer JavaScript. Ative-o e recarregue a página, ou escolha outra forma de pagar.",
		"sdk_loading":                   "A carregar o formulário seguro do cartão…",
		"sdk_failed":                    "Não foi possível carregar o formulário do cartão. Verifique a ligação e recarregue a página, ou escolha outra forma de pagar.",
		"action_failed":                 "Não foi possível carregar a verificação do seu banco. Verifique a ligação e recarregue esta página.",
		"token_invalid":                 "Não foi possível ler os dados do cartão. Tente de novo.",
		"confirming_title":              "A confirmar o pagamento…",
		"confirming_body":               "O seu banco pode pedir que o confirme. Mantenha esta página aberta.",
		"action_needs_js":               "Confirmar este pagamento requer JavaScript. Ative-o e recarregue a página, ou volte atrás e escolha outra forma de pagar.",
		"back_to_form":                  "Voltar ao formulário de pagamento",
		"declined":                      "O pagamento foi recusado: %s Pode tentar de novo.",
		"try_again":                     "%s Pode tentar de novo.",
		"declined_generic":              "O pagamento foi recusado.",
		"too_many_attempts":             "Demasiadas tentativas recusadas. Este pagamento já não aceita cartões.",
		"locked_title":                  "Este pagamento não pode ser concluído aqui",
		"locked_body":                   "Nada foi cobrado. Volte à loja para começar de novo ou contacte a loja.",
		"unavailable_title":             "Esta loja ainda não pode receber pagamentos",
		"unavailable_body":              "%s ainda não concluiu a configuração dos pagamentos, por isso este pagamento não pode ser feito. Nada foi cobrado. Volte à loja ou contacte-a.",
		"method_unavailable":            "Este método de pagamento não está disponível aqui.",
		"required":                      "Obrigatório.",
		"email_invalid":                 "Indique um email válido.",
		"not_found_title":               "Pagamento não encontrado",
		"not_found_body":                "Esta ligação não é válida.",
		"rate_limited":                  "Demasiadas tentativas. Aguarde um minuto e tente de novo.",
		"in_progress":                   "Já está em curso um pagamento. Aguarde um momento e recarregue.",
		"link_inactive_title":           "Este link de pagamento não está ativo",
		"link_inactive_body":            "%s não está a aceitar pagamentos por este link neste momento. Nada foi cobrado. Contacte-os para pagar de outra forma.",
		"link_expired_title":            "Este link de pagamento expirou",
		"link_expired_body":             "O prazo para pagar por este link terminou. Nada foi cobrado. Contacte %s para pagar de outra forma.",
		"link_exhausted_title":          "Este link de pagamento já não está disponível",
		"link_exhausted_body":           "Tudo o que este link oferecia já foi pago. Nada foi cobrado. Contacte %s se precisar de mais.",
		"link_used_title":               "Este link de pagamento já foi usado",
		"link_used_body":                "Este link era para um só pagamento e já foi usado. Não é possível pagar mais por ele. Contacte %s para pagar de outra forma.",
		"link_exhausted":                "Tudo o que este link de pagamento oferecia acabou de ser pago, por isso este pagamento não foi feito. Nada foi cobrado.",
		"invoice_paid":                  "Esta fatura já foi paga, por isso este pagamento não foi feito. Nada foi cobrado.",
		"invoice_void":                  "Esta fatura foi anulada pelo comerciante e já não pode ser paga. Nada foi cobrado.",
		"invoice_in_progress":           "Esta fatura está a ser paga noutra janela. Nada foi cobrado aqui; tente de novo dentro de alguns minutos se esse pagamento não for concluído.",
		"error_generic":                 "Algo correu mal. Tente de novo.",
		"decline_card_declined":         "O cartão foi recusado.",
		"decline_insufficient_funds":    "O cartão não tem saldo suficiente.",
		"decline_expired_card":          "O cartão expirou.",
		"decline_incorrect_cvc":         "O código de segurança está incorreto.",
		"decline_processing_error":      "Não foi possível processar o cartão; tente de novo dentro de momentos.",
		"decline_authentication_failed": "O banco não conseguiu autenticar o pagamento.",
		"card_number_invalid":           "O número do cartão não é válido.",
		"card_expiry_invalid":           "Indique a validade como MM/AA.",
		"card_expired":                  "O cartão expirou.",
		"card_cvc_invalid":              "O código de segurança não é válido.",
		"forbidden":                     "Este formulário expirou ou não veio desta página. Recarregue a página e tente de novo.",
		"too_large":                     "Este formulário é demasiado grande para enviar. Recarregue a página e tente de novo.",
		"test_helper_title":             "Pagamento de teste",
		"test_helper_body":              "Conclua esta referência como o banco faria: paga ou falhada.",
		"test_succeed":                  "Marcar como paga",
		"test_fail":                     "Marcar como falhada",
		"date":                          "%d de %s de %d, %s UTC",
		// What the pay form collects (page_collect.go).
		"full_name":            "Nome completo",
		"phone":                "Telemóvel",
		"phone_hint":           "Com o indicativo do país, por exemplo +351 912 345 678.",
		"shipping_address":     "Morada de envio",
		"billing_address":      "Morada de faturação",
		"billing_same":         "Igual à morada de envio",
		"country":              "País",
		"address_line1":        "Morada",
		"address_line2":        "Complemento da morada",
		"city":                 "Localidade",
		"postal_code":          "Código postal",
		"zip_code":             "Código postal (ZIP)",
		"postcode":             "Código postal",
		"state":                "Estado",
		"province":             "Província",
		"region":               "Estado, província ou região",
		"for_example":          "Por exemplo %s",
		"optional":             "opcional",
		"choose":               "Escolha…",
		"terms_agree":          "Aceito os",
		"terms_of_service":     "termos e condições",
		"terms_title":          "Termos e condições",
		"submit_book":          "Reservar",
		"submit_donate":        "Doar",
		"postal_code_invalid":  "Indique o código no formato %s.",
		"state_invalid":        "Indique o código de duas letras, por exemplo %s.",
		"country_unsupported":  "Esta loja não envia para este país.",
		"country_invalid":      "Escolha um país.",
		"phone_invalid":        "Indique o número com o indicativo do país, por exemplo +351 912 345 678.",
		"numeric_invalid":      "Indique apenas algarismos.",
		"option_invalid":       "Escolha uma das opções.",
		"too_short":            "Indique pelo menos %d caracteres.",
		"too_long":             "Indique no máximo %d caracteres.",
		"value_invalid":        "Este valor não é válido.",
		"consent_required":     "Aceite os termos e condições para continuar.",
		"card_info":            "Dados do cartão",
		"secure":               "Os pagamentos são seguros e encriptados.",
		"or":                   "ou",
		"copy":                 "Copiar",
		"print":                "Imprimir",
		"voucher_waiting":      "Esta página atualiza-se sozinha quando o pagamento chegar.",
		"terms":                "Termos",
		"privacy":              "Privacidade",
		"paid":                 "Pago: %s.",
		"paid_card":            "Pagou %s com %s •••• %s.",
		"fulfillment_shipping": "Entrega na sua morada",
		"fulfillment_pickup":   "Levantamento na loja",
		"fulfillment_digital":  "Entrega digital",
	},
	"fr": {
		"title":                         "Paiement",
		"pay_to":                        "Payer %s",
		"item":                          "Article",
		"qty":                           "Qté",
		"amount":                        "Montant",
		"subtotal":                      "Sous-total",
		"discount":                      "Remise",
		"tax":                           "Taxe",
		"total":                         "Total",
		"email":                         "E-mail",
		"card":                          "Carte",
		"card_number":                   "Numéro de carte",
		"card_expiry":                   "Expiration (MM/AA)",
		"card_cvc":                      "Code de sécurité (CVC)",
		"pay":                           "Payer %s",
		"multibanco":                    "Multibanco",
		"multibanco_get":                "Obtenir une référence Multibanco",
		"expires_in":                    "Cette page expire dans %s.",
		"cancel":                        "Annuler et revenir à %s",
		"test_mode":                     "Mode test : aucun argent réel n'est déplacé. Utilisez la carte 4242 4242 4242 4242, une date future et n'importe quel CVC.",
		"errors_title":                  "Veuillez corriger ce qui suit :",
		"error_item":                    "%s : %s",
		"complete_title":                "Paiement reçu",
		"complete_body":                 "Merci. Ce paiement est terminé.",
		"continue":                      "Continuer",
		"expired_title":                 "Ce paiement a expiré",
		"expired_body":                  "Le délai de paiement est écoulé. Revenez à la boutique pour recommencer.",
		"canceled_title":                "Ce paiement a été annulé",
		"canceled_body":                 "Rien n'a été débité. Revenez à la boutique pour recommencer.",
		"back":                          "Revenir à la boutique",
		"voucher_title":                 "Payez à un distributeur Multibanco ou dans l'app de votre banque",
		"voucher_entity":                "Entité",
		"voucher_reference":             "Référence",
		"voucher_amount":                "Montant",
		"voucher_expires":               "Payez avant le %s.",
		"voucher_paid":                  "Le paiement a été reçu.",
		"voucher_failed_title":          "Le paiement Multibanco n'a pas abouti",
		"voucher_failed":                "Le paiement a échoué. Rien n'a été débité. Revenez à la boutique pour choisir un autre moyen de paiement.",
		"voucher_expired":               "La référence a expiré sans paiement. Rien n'a été débité. Revenez à la boutique pour recommencer.",
		"threeds_title":                 "Confirmez ce paiement auprès de votre banque",
		"threeds_body":                  "Votre banque vous demande de confirmer un paiement de %s à %s.",
		"threeds_complete":              "Valider",
		"threeds_fail":                  "Échouer",
		"threeds_sim":                   "Ceci est la simulation, en mode test, d'une vérification 3-D Secure.",
		"sdk_needs_js":                  "Payer par carte ici nécessite JavaScript. Activez-le et rechargez la page, ou choisissez un autre moyen de paiement.",
		"sdk_loading":                   "Chargement du formulaire de carte sécurisé…",
		"sdk_failed":                    "Le formulaire de carte n'a pas pu se charger. Vérifiez votre connexion et rechargez la page, ou choisissez un autre moyen de paiement.",
		"action_failed":                 "La vérification de votre banque n'a pas pu se charger. Vérifiez votre connexion et rechargez cette page.",
		"token_invalid":                 "Les données de la carte n'ont pas pu être lues. Réessayez.",
		"confirming_title":              "Confirmation du paiement…",
		"confirming_body":               "Votre banque peut vous demander de le confirmer. Gardez cette page ouverte.",
		"action_needs_js":               "Confirmer ce paiement nécessite JavaScript. Activez-le et rechargez la page, ou revenez en arrière et choisissez un autre moyen de paiement.",
		"back_to_form":                  "Revenir au formulaire de paiement",
		"declined":                      "Votre paiement a été refusé : %s Vous pouvez réessayer.",
		"try_again":                     "%s Vous pouvez réessayer.",
		"declined_generic":              "Votre paiement a été refusé.",
		"too_many_attempts":             "Trop de tentatives refusées. Ce paiement n'accepte plus de cartes.",
		"locked_title":                  "Ce paiement ne peut pas être effectué ici",
		"locked_body":                   "Rien n'a été débité. Revenez à la boutique pour recommencer ou contactez la boutique.",
		"unavailable_title":             "Cette boutique ne peut pas encore recevoir de paiements",
		"unavailable_body":              "%s n'a pas fini de configurer ses paiements : ce paiement ne peut donc pas être effectué. Rien n'a été débité. Revenez à la boutique ou contactez-la.",
		"method_unavailable":            "Ce moyen de paiement n'est pas disponible ici.",
		"required":                      "Obligatoire.",
		"email_invalid":                 "Saisissez une adresse e-mail valide.",
		"not_found_title":               "Paiement introuvable",
		"not_found_body":                "Ce lien n'est pas valide.",
		"rate_limited":                  "Trop de tentatives. Attendez une minute et réessayez.",
		"in_progress":                   "Un paiement est déjà en cours. Patientez un instant puis rechargez.",
		"link_inactive_title":           "Ce lien de paiement n'est pas actif",
		"link_inactive_body":            "%s n'accepte pas de paiements par ce lien pour le moment. Rien n'a été débité. Contactez-les pour payer autrement.",
		"link_expired_title":            "Ce lien de paiement a expiré",
		"link_expired_body":             "Le délai pour payer par ce lien est écoulé. Rien n'a été débité. Contactez %s pour payer autrement.",
		"link_exhausted_title":          "Ce lien de paiement n'est plus disponible",
		"link_exhausted_body":           "Tout ce que ce lien proposait a déjà été payé. Rien n'a été débité. Contactez %s si vous avez besoin de plus.",
		"link_used_title":               "Ce lien de paiement a déjà servi",
		"link_used_body":                "Ce lien était pour un seul paiement, et il a servi. On ne peut plus payer par lui. Contactez %s pour payer autrement.",
		"link_exhausted":                "Tout ce que ce lien de paiement proposait vient d'être payé : ce paiement n'a donc pas été pris. Rien n'a été débité.",
		"invoice_paid":                  "Cette facture a déjà été payée : ce paiement n'a donc pas été pris. Rien n'a été débité.",
		"invoice_void":                  "Cette facture a été annulée par le marchand et ne peut plus être payée. Rien n'a été débité.",
		"invoice_in_progress":           "Cette facture est en cours de paiement dans une autre fenêtre. Rien n'a été débité ici ; réessayez dans quelques minutes si ce paiement n'aboutit pas.",
		"error_generic":                 "Une erreur est survenue. Veuillez réessayer.",
		"decline_card_declined":         "La carte a été refusée.",
		"decline_insufficient_funds":    "Le solde de la carte est insuffisant.",
		"decline_expired_card":          "La carte a expiré.",
		"decline_incorrect_cvc":         "Le code de sécurité est incorrect.",
		"decline_processing_error":      "La carte n'a pas pu être traitée ; réessayez dans un instant.",
		"decline_authentication_failed": "La banque n'a pas pu authentifier le paiement.",
		"card_number_invalid":           "Le numéro de carte n'est pas valide.",
		"card_expiry_invalid":           "Saisissez la date d'expiration au format MM/AA.",
		"card_expired":                  "La carte a expiré.",
		"card_cvc_invalid":              "Le code de sécurité n'est pas valide.",
		"forbidden":                     "Ce formulaire a expiré ou ne vient pas de cette page. Rechargez la page et réessayez.",
		"too_large":                     "Ce formulaire est trop volumineux pour être envoyé. Rechargez la page et réessayez.",
		"test_helper_title":             "Paiement de test",
		"test_helper_body":              "Réglez cette référence comme le ferait la banque : payée ou échouée.",
		"test_succeed":                  "Marquer comme payée",
		"test_fail":                     "Marquer comme échouée",
		"date":                          "%d %s %d, %s UTC",
		// What the pay form collects (page_collect.go).
		"full_name":            "Nom complet",
		"phone":                "Numéro de téléphone",
		"phone_hint":           "Avec l'indicatif du pays, par exemple +33 6 12 34 56 78.",
		"shipping_address":     "Adresse de livraison",
		"billing_address":      "Adresse de facturation",
		"billing_same":         "Identique à l'adresse de livraison",
		"country":              "Pays",
		"address_line1":        "Adresse",
		"address_line2":        "Complément d'adresse",
		"city":                 "Ville",
		"postal_code":          "Code postal",
		"zip_code":             "Code postal (ZIP)",
		"postcode":             "Code postal",
		"state":                "État",
		"province":             "Province",
		"region":               "État, province ou région",
		"for_example":          "Par exemple %s",
		"optional":             "facultatif",
		"choose":               "Choisissez…",
		"terms_agree":          "J'accepte les",
		"terms_of_service":     "conditions d'utilisation",
		"terms_title":          "Conditions d'utilisation",
		"submit_book":          "Réserver",
		"submit_donate":        "Faire un don",
		"postal_code_invalid":  "Saisissez le code au format %s.",
		"state_invalid":        "Saisissez le code à deux lettres, par exemple %s.",
		"country_unsupported":  "Cette boutique ne livre pas dans ce pays.",
		"country_invalid":      "Choisissez un pays.",
		"phone_invalid":        "Saisissez le numéro avec l'indicatif du pays, par exemple +33 6 12 34 56 78.",
		"numeric_invalid":      "Saisissez uniquement des chiffres.",
		"option_invalid":       "Choisissez l'une des options.",
		"too_short":            "Saisissez au moins %d caractères.",
		"too_long":             "Saisissez au plus %d caractères.",
		"value_invalid":        "Cette valeur n'est pas valide.",
		"consent_required":     "Acceptez les conditions d'utilisation pour continuer.",
		"card_info":            "Informations de la carte",
		"secure":               "Les paiements sont sécurisés et chiffrés.",
		"or":                   "ou",
		"copy":                 "Copier",
		"print":                "Imprimer",
		"voucher_waiting":      "Cette page se met à jour d'elle-même à l'arrivée du paiement.",
		"terms":                "Conditions",
		"privacy":              "Confidentialité",
		"paid":                 "Payé : %s.",
		"paid_card":            "%s payés avec %s •••• %s.",
		"fulfillment_shipping": "Livraison à votre adresse",
		"fulfillment_pickup":   "Retrait en magasin",
		"fulfillment_digital":  "Livraison numérique",
	},
}

// tr returns the message key in lang, formatted with args.
func tr(lang, key string, args ...any) string {
	m, ok := messages[lang][key]
	if !ok {
		m = messages["en"][key]
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// mergeMessages adds a feature's words (kept in the feature's own file, so
// the main table stays readable) to messages. A key already there is a
// programming error: one feature would silently take another's words.
func mergeMessages(feature map[string]map[string]string) {
	for lang, m := range feature {
		for k, v := range m {
			if _, taken := messages[lang][k]; taken {
				panic("page_i18n: message " + lang + "/" + k + " defined twice")
			}
			messages[lang][k] = v
		}
	}
}
