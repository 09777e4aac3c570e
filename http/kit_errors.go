package http

import (
	"log/slog"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
)

// errorKinds is the one table that turns error kinds into HTTP statuses and
// error types. Nothing else chooses an error status.
var errorKinds = map[checkout.Kind]struct {
	status int
	typ    string
}{
	checkout.KindInvalid:      {http.StatusBadRequest, "invalid_request_error"},
	checkout.KindState:        {http.StatusBadRequest, "invalid_request_error"},
	checkout.KindNotFound:     {http.StatusNotFound, "invalid_request_error"},
	checkout.KindUnauthorized: {http.StatusUnauthorized, "authentication_error"},
	checkout.KindForbidden:    {http.StatusForbidden, "invalid_request_error"},
	checkout.KindConflict:     {http.StatusConflict, "invalid_request_error"},
	checkout.KindIdempotency:  {http.StatusBadRequest, "idempotency_error"},
	checkout.KindTooLarge:     {http.StatusRequestEntityTooLarge, "invalid_request_error"},
	checkout.KindRateLimited:  {http.StatusTooManyRequests, "rate_limit_error"},
	checkout.KindCard:         {http.StatusPaymentRequired, "card_error"},
	checkout.KindInternal:     {http.StatusInternalServerError, "api_error"},
}

// ErrorBody is the one error shape of every JSON response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Type    string  `json:"type"`
	Code    string  `json:"code"`
	Param   *string `json:"param"` // null when no single parameter is at fault
	Message string  `json:"message"`
}

// toErrorBody returns the status and body for err. Errors that are not
// *checkout.Error are internal: their text is logged, never shown.
func toErrorBody(err error) (int, ErrorBody, *checkout.Error) {
	e, ok := err.(*checkout.Error)
	if !ok {
		e = checkout.Errorf(checkout.KindInternal, "internal_error", "")
	}
	k, ok := errorKinds[e.Kind]
	if !ok {
		k = errorKinds[checkout.KindInternal]
	}
	msg := e.Message
	if e.Kind == checkout.KindInternal {
		msg = "An internal error occurred. Quote the Request-Id header of this response when reporting it."
	}
	var param *string
	if e.Param != "" {
		param = &e.Param
	}
	return k.status, ErrorBody{ErrorDetail{Type: k.typ, Code: e.Code, Param: param, Message: msg}}, e
}

// writeError writes err as a JSON error response.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.errorResponse(r, err)
	s.writeJSON(w, status, body)
}

// errorResponse logs internal errors with the request id and returns what
// the client sees.
func (s *Server) errorResponse(r *http.Request, err error) (int, ErrorBody) {
	status, body, e := toErrorBody(err)
	if e.Kind == checkout.KindInternal {
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", requestID(r.Context())), slog.String("err", err.Error()))
	}
	return status, body
}
