package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/webhook"
)

// The HTTP side of a delivery: one signed POST under the outbound policy.

// post sends one signed request. The response body is read (bounded) and
// discarded; only the status matters.
func (s *Service) post(ctx context.Context, e *checkout.WebhookEndpoint, msgID string, body []byte) (status int, retryAfter time.Duration, err error) {
	if err := s.WebhookPolicy(e.Livemode).CheckURL(e.URL); err != nil {
		return 0, 0, err // the rules may have tightened since registration
	}
	now := s.now()
	var secrets []string
	for _, sec := range e.LiveSecrets(now) {
		plain, err := s.sealer.Open(sec.Sealed)
		if err != nil {
			return 0, 0, fmt.Errorf("opening the endpoint's secret: %w", err)
		}
		secrets = append(secrets, plain)
	}
	headers, err := webhook.Sign(msgID, now, body, secrets...)
	if err != nil {
		return 0, 0, err
	}
	timeout := s.deliveryTimeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header = headers
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "checkoutd-webhooks/1")
	res, err := s.webhookClient(e.Livemode).Do(req)
	if err != nil {
		return 0, 0, describeTransportError(err, timeout)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && secs > 0 {
		retryAfter = time.Duration(min(secs, 86400)) * time.Second
	}
	return res.StatusCode, retryAfter, nil
}

// describeTransportError says what went wrong with a request that got no
// answer, for the delivery's attempt log: "timeout" when none came within
// the delivery timeout, else the transport's own error without the
// "Post <url>:" prefix (the endpoint is named beside it already).
func describeTransportError(err error, timeout time.Duration) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("timeout: no response within %v", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (s *Service) webhookClient(livemode bool) *http.Client { return s.clients[livemode] }
