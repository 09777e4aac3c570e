package easypay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// apiError is an answer of Easypay's that is not a success: its status
// and the messages of its {"status":"error","message":[…]} body.
type apiError struct {
	op       string
	status   int
	messages []string
}

func (e *apiError) Error() string {
	msg := strings.Join(e.messages, "; ")
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	if e.status == http.StatusForbidden || e.status == http.StatusUnauthorized {
		return fmt.Sprintf("easypay: %s: %d %s (check the account's Easypay account_id, api_key and environment)", e.op, e.status, msg)
	}
	return fmt.Sprintf("easypay: %s: %d %s", e.op, e.status, msg)
}

// callBudget bounds one call, its tries and waits included: under the
// server's 60 s write timeout.
const callBudget = 55 * time.Second

// call sends one request to Easypay, tried again where Easypay's
// documentation says it is safe, and decodes a 2xx answer into out.
// Errors never carry the credentials: they name the operation, the
// status and Easypay's messages.
func (p *Provider) call(ctx context.Context, method, path string, body []byte, idempotencyKey string, out any) error {
	op := method + " /" + strings.SplitN(path, "/", 3)[1] // the path without an id
	// Each try has --provider-timeout; all of them together end within
	// callBudget, before the server's write timeout cuts the customer off
	// without an answer while a try could still charge.
	ctx, cancel := context.WithTimeout(ctx, callBudget)
	defer cancel()
	wait := p.backoff
	for attempt := 1; ; attempt++ {
		status, answer, header, err := p.once(ctx, method, path, body, idempotencyKey)
		retry := false
		switch {
		case err != nil:
			// No answer: the create may or may not have happened, and the
			// same key makes a resend safe either way.
			err = fmt.Errorf("easypay: %s: %w", op, err)
			retry = ctx.Err() == nil
		case status >= 200 && status < 300:
			if err := json.Unmarshal(answer, out); err != nil {
				return fmt.Errorf("easypay: %s: the answer is not Easypay's JSON: %w", op, err)
			}
			return nil
		default:
			ae := &apiError{op: op, status: status}
			var e struct {
				Message []string `json:"message"`
			}
			if json.Unmarshal(answer, &e) == nil {
				ae.messages = e.Message
			}
			err = ae
			retry = retryable(method, status, header.Get("X-Easypay-Should-Retry"))
		}
		if !retry || attempt == maxAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// retryable follows Easypay's rules for an answer: its
// X-Easypay-Should-Retry header when present, else 409 (the first request
// may still be in transit), 429, 502 and 503, and 500 for anything but a
// POST.
func retryable(method string, status int, shouldRetry string) bool {
	switch shouldRetry {
	case "true":
		return true
	case "false":
		return false
	}
	switch status {
	case http.StatusConflict, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable:
		return true
	case http.StatusInternalServerError:
		return method != http.MethodPost
	}
	return false
}

func (p *Provider) once(ctx context.Context, method, path string, body []byte, idempotencyKey string) (int, []byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequestWithContext(ctx, method, p.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	r.Header.Set("AccountId", p.accountID)
	r.Header.Set("ApiKey", p.apiKey)
	r.Header.Set("Accept", "application/json")
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		r.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := p.client.Do(r)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, answer, resp.Header, nil
}
