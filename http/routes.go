package http

import (
	"net/http"
	"slices"

	"github.com/checkoutd/checkoutd/checkout"
)

// routes lists every route of the server, in one place.
func (s *Server) routes() {
	s.handle("POST /v1/checkout/sessions", s.api(s.createSession))
	s.handle("GET /v1/checkout/sessions", s.api(s.listSessions))
	s.handle("GET /v1/checkout/sessions/{id}", s.api(s.getSession))
	s.handle("GET /v1/checkout/sessions/{id}/line_items", s.api(s.listLineItems))
	s.handle("POST /v1/checkout/sessions/{id}/expire", s.api(s.expireSession))
	s.handle("GET /v1/events", s.api(s.listEvents))
	s.handle("GET /v1/events/stream", s.authed(s.streamEvents))
	s.handle("GET /v1/events/{id}", s.api(s.getEvent))
	s.handle("GET /v1/events/{id}/deliveries", s.api(s.listDeliveries))
	s.handle("POST /v1/events/{id}/resend", s.api(s.resendEvent))
	s.handle("POST /v1/webhook_endpoints", s.api(s.createEndpoint))
	s.handle("GET /v1/webhook_endpoints", s.api(s.listEndpoints))
	s.handle("GET /v1/webhook_endpoints/{id}", s.api(s.getEndpoint))
	s.handle("POST /v1/webhook_endpoints/{id}", s.api(s.updateEndpoint))
	s.handle("DELETE /v1/webhook_endpoints/{id}", s.api(s.deleteEndpoint))
	s.handle("POST /v1/webhook_endpoints/{id}/rotate_secret", s.api(s.rotateSecret))
	s.handle("GET /v1/api_keys", s.api(s.listAPIKeys))
	s.handle("POST /v1/api_keys", s.api(s.createAPIKey))
	s.handle("GET /v1/api_keys/{id}", s.api(s.getAPIKey))
	s.handle("POST /v1/api_keys/{id}/revoke", s.api(s.revokeAPIKey))
	s.handle("POST /v1/api_keys/{id}/roll", s.api(s.rollAPIKey))
	s.handle("GET /v1/account", s.api(s.getAccount))
	s.handle("POST /v1/account", s.api(s.updateAccount))
	s.handle("POST /v1/payment_links", s.api(s.createLink))
	s.handle("GET /v1/payment_links", s.api(s.listLinks))
	s.handle("GET /v1/payment_links/{id}", s.api(s.getLink))
	s.handle("POST /v1/payment_links/{id}", s.api(s.updateLink))
	s.handle("GET /v1/account/providers", s.api(s.listProviders))
	s.handle("GET /v1/account/providers/{name}", s.api(s.getProvider))
	s.handle("POST /v1/account/providers/{name}", s.api(s.setProvider))
	s.handle("DELETE /v1/account/providers/{name}", s.api(s.deleteProvider))
	s.handle("POST /v1/files", s.apiMax(s.createFile, s.maxUploadBytes(), "file"))

	s.handle("GET /v1/payments", s.api(s.listPayments))
	s.handle("GET /v1/payments/{id}", s.api(s.getPayment))
	s.handle("POST /v1/refunds", s.api(s.createRefund))
	s.handle("GET /v1/refunds", s.api(s.listRefunds))
	s.handle("GET /v1/refunds/{id}", s.api(s.getRefund))
	s.handle("POST /v1/products", s.api(s.createProduct))
	s.handle("GET /v1/products", s.api(s.listProducts))
	s.handle("GET /v1/products/{id}", s.api(s.getProduct))
	s.handle("POST /v1/products/{id}", s.api(s.updateProduct))
	s.handle("POST /v1/invoices", s.api(s.createInvoice))
	s.handle("GET /v1/invoices", s.api(s.listInvoices))
	s.handle("GET /v1/invoices/{id}", s.api(s.getInvoice))
	s.handle("POST /v1/invoices/{id}", s.api(s.updateInvoice))
	s.handle("POST /v1/invoices/{id}/finalize", s.api(s.finalizeInvoice))
	s.handle("POST /v1/invoices/{id}/void", s.api(s.voidInvoice))
	s.handle("POST /v1/coupons", s.api(s.createCoupon))
	s.handle("GET /v1/coupons", s.api(s.listCoupons))
	s.handle("GET /v1/coupons/{id}", s.api(s.getCoupon))
	s.handle("DELETE /v1/coupons/{id}", s.api(s.deleteCoupon))
	s.handle("POST /v1/promotion_codes", s.api(s.createPromotionCode))
	s.handle("GET /v1/promotion_codes", s.api(s.listPromotionCodes))
	s.handle("GET /v1/promotion_codes/{id}", s.api(s.getPromotionCode))
	s.handle("POST /v1/promotion_codes/{id}", s.api(s.updatePromotionCode))
	s.handle("POST /v1/test_helpers/payments/{id}/succeed", s.api(s.settle(true)))
	s.handle("POST /v1/test_helpers/payments/{id}/fail", s.api(s.settle(false)))

	// Seed 003's checkout sessions (chk_*.go), with the same secret keys.
	s.handle("POST /v1/checkout_sessions", s.api(s.createChkSession))
	s.handle("GET /v1/checkout_sessions", s.api(s.listChkSessions))
	s.handle("GET /v1/checkout_sessions/{id}", s.api(s.getChkSession))
	s.handle("POST /v1/checkout_sessions/{id}", s.api(s.selectChkToken))
	s.handle("POST /v1/checkout_sessions/{id}/cancel", s.api(s.cancelChkSession))

	// Seed 002's in-store companion devices (v2_*.go): managed with the
	// secret keys, paired with a one-time code, then called with the
	// device's own token.
	s.handle("POST /v2/devices", s.v2(s.createDevice))
	s.handle("GET /v2/devices", s.v2(s.listDevices))
	s.handle("POST /v2/devices/pair", http.HandlerFunc(s.pairDevice))
	s.handle("GET /v2/devices/me/checkouts", s.deviceAuthed(s.deviceCheckouts))
	s.handle("GET /v2/devices/me/stream", s.deviceAuthed(s.deviceStream))
	s.handle("POST /v2/devices/me/checkouts/{sessionId}/result", s.deviceAuthed(s.deviceResult))
	s.handle("GET /v2/devices/{id}", s.v2(s.getDevice))
	s.handle("POST /v2/devices/{id}", s.v2(s.renameDevice))
	s.handle("POST /v2/devices/{id}/revoke", s.v2(s.revokeDevice))
	s.handle("GET /terminal", http.HandlerFunc(s.showTerminal)) // a phone at the counter as a device
	s.handle("POST /terminal/login", http.HandlerFunc(s.terminalLogin))
	s.handle("POST /terminal/logout", http.HandlerFunc(s.terminalLogout))
	s.handle("POST /terminal/checkouts/{sessionId}", http.HandlerFunc(s.terminalResult))
	s.handle("GET /terminal/stream", http.HandlerFunc(s.terminalStream))

	// Seed 002's checkout sessions (v2_sessions.go): one model with
	// /v1/checkout/sessions, paid on /p/{publicToken}.
	s.handle("POST /v2/checkout-sessions", s.v2(s.createV2Session))
	s.handle("GET /v2/checkout-sessions", s.v2(s.listV2Sessions))
	s.handle("GET /v2/checkout-sessions/{id}", s.v2(s.getV2Session))
	s.handle("POST /v2/checkout-sessions/{id}/expire", s.v2(s.expireV2Session))
	// Seed 002's products, invoices and checkout links (v2_products.go,
	// v2_invoices.go, v2_links.go): the canonical objects in the dialect's
	// names and shapes.
	s.handle("POST /v2/products", s.v2(s.createV2Product))
	s.handle("GET /v2/products", s.v2(s.listV2Products))
	s.handle("GET /v2/products/{id}", s.v2(s.getV2Product))
	s.handle("POST /v2/products/{id}", s.v2(s.updateV2Product))
	s.handle("POST /v2/products/{id}/archive", s.v2(s.archiveV2Product))
	s.handle("POST /v2/invoices", s.v2(s.createV2Invoice))
	s.handle("GET /v2/invoices", s.v2(s.listV2Invoices))
	s.handle("GET /v2/invoices/{id}", s.v2(s.getV2Invoice))
	s.handle("POST /v2/invoices/{id}/finalize", s.v2(s.finalizeV2Invoice))
	s.handle("POST /v2/invoices/{id}/void", s.v2(s.voidV2Invoice))
	s.handle("POST /v2/checkout-links", s.v2(s.createV2Link))
	s.handle("GET /v2/checkout-links", s.v2(s.listV2Links))
	s.handle("GET /v2/checkout-links/{id}", s.v2(s.getV2Link))
	s.handle("POST /v2/checkout-links/{id}", s.v2(s.updateV2Link))

	// Seed 000's checkout host (host_*.go).
	s.handle("POST /api/sessions", s.hostSecret(s.createHostSession))
	s.handle("POST /api/payment-links", s.hostSecret(s.createHostLink))
	s.handle("GET /api/sessions/{id}", http.HandlerFunc(s.getHostSession))
	s.handle("OPTIONS /api/sessions/{id}", http.HandlerFunc(s.hostPreflight))
	s.handle("POST /api/sessions/{id}/pay", http.HandlerFunc(s.payHostSession))
	s.handle("OPTIONS /api/sessions/{id}/pay", http.HandlerFunc(s.hostPreflight))
	s.handle("POST /api/sessions/{id}/confirm", http.HandlerFunc(s.confirmHostSession))
	s.handle("OPTIONS /api/sessions/{id}/confirm", http.HandlerFunc(s.hostPreflight))

	// The hosted page (seed 001's /checkout/{id}, seed 000's /c/{id}, seed 002's /p/{token}).
	s.handle("GET /checkout/{id}", http.HandlerFunc(s.showSession))
	s.handle("GET /c/{id}", http.HandlerFunc(s.showSession))
	s.handle("GET /p/{token}", http.HandlerFunc(s.showTokenSession)) // seed 002's, by public token
	s.handle("GET /l/{id}", http.HandlerFunc(s.visitLink))           // a payment link: mints a session
	s.handle("POST /checkout/{id}/pay", http.HandlerFunc(s.pay))
	s.handle("POST /checkout/{id}/cancel", http.HandlerFunc(s.cancelFromPage)) // seed 003's sessions: the cancel link
	s.handle("POST /checkout/{id}/promotion_code", http.HandlerFunc(s.promotionCode))
	s.handle("GET /checkout/{id}/handoff", http.HandlerFunc(s.showHandoff))  // continue on another device
	s.handle("GET /p/{token}/handoff", http.HandlerFunc(s.showTokenHandoff)) // the same, for the page at /p/{token}
	s.handle("GET /checkout/{id}/3ds/{payment}", http.HandlerFunc(s.showChallenge))
	s.handle("POST /checkout/{id}/3ds/{payment}", http.HandlerFunc(s.challenge))
	s.handle("GET /checkout/{id}/action/{payment}", http.HandlerFunc(s.showNextAction)) // a provider's script finishes the payment
	s.handle("GET /checkout/{id}/return/{payment}", http.HandlerFunc(s.paymentReturn))  // back from a next action
	s.handle("GET /checkout/{id}/deposit/{payment}", http.HandlerFunc(s.showDeposit))   // a stablecoin payment's address and progress
	s.handle("GET /checkout/{id}/device/{payment}", http.HandlerFunc(s.showDeviceWait)) // in_store: finish at the counter
	s.handle("GET /checkout/{id}/device/{payment}/events", http.HandlerFunc(s.deviceWaitEvents))
	s.handle("GET /test/payments/{id}", http.HandlerFunc(s.showTestPayment))
	s.handle("GET /files/{id}", http.HandlerFunc(s.serveFile)) // images the page shows
	s.handle("POST /test/payments/{id}", http.HandlerFunc(s.settleTestPayment))

	// Gateways' webhooks and callbacks (providers_in.go), verified by
	// their provider rather than by an API key.
	s.handle("GET /v1/provider_notifications", s.api(s.listProviderNotifications))
	s.handle("POST /providers/{name}/{account}/{path}", http.HandlerFunc(s.receiveNotification))
	s.handle("GET /providers/{name}/{account}/{path}", http.HandlerFunc(s.receiveNotification))

	s.handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.handle("GET /readyz", http.HandlerFunc(s.readyz))
	s.handle("GET /metrics", s.metrics.handler())
	s.handle("GET /openapi.json", http.HandlerFunc(s.openapi))
	// Exactly "/": any other unknown path is the API's JSON 404 below.
	s.handle("GET /{$}", http.HandlerFunc(s.home))
	s.mux.HandleFunc("/", s.notFound)
}

func (s *Server) handle(pattern string, h http.Handler) {
	s.patterns = append(s.patterns, pattern)
	s.mux.Handle(pattern, s.checkHeaders(h))
}

// Routes lists the "METHOD /path" pattern of every route, so tests can check
// that the OpenAPI document describes each one.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, &checkout.Error{Kind: checkout.KindNotFound, Code: "route_not_found",
		Message: "Unrecognized request URL (" + r.Method + ": " + r.URL.Path + ")."})
}
