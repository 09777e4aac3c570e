// Package gateway holds what every real payment gateway's provider needs
// from the network: an HTTP client that reaches the gateway's documented
// API host directly and anything else (an operator's --stripe-api-url
// pointing at stripe-mock or a stand-in) only through the SSRF guard.
package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/netguard"
)

// DefaultTimeout bounds one call to a gateway when the operator sets none.
const DefaultTimeout = 20 * time.Second

// Options are the operator's settings shared by every gateway.
type Options struct {
	// Timeout bounds one call (connect to last byte); ≤ 0 is DefaultTimeout.
	Timeout time.Duration
	// Policy is the SSRF guard for base URLs that are not a gateway's
	// documented host (AllowPrivate lets a local stand-in be reached).
	Policy netguard.Policy
}

// Client returns the HTTP client for a gateway whose API is at base. When
// base is https on one of documented (the gateway's published API hosts)
// the client dials it directly; any other base is checked by the SSRF
// guard now and at every dial. Redirects are never followed: a gateway's
// API answers, it does not send us elsewhere.
func Client(base string, documented []string, o Options) (*http.Client, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("gateway: %q is not an http(s) URL", base)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if u.Scheme == "https" && slices.Contains(documented, strings.ToLower(u.Hostname())) && u.Port() == "" {
		return &http.Client{Timeout: timeout, CheckRedirect: noRedirects}, nil
	}
	if err := o.Policy.CheckURL(base); err != nil {
		return nil, fmt.Errorf("gateway: %s is not the gateway's documented host and the SSRF guard refuses it: %w", u.Host, err)
	}
	return o.Policy.Client(timeout), nil
}

func noRedirects(*http.Request, []*http.Request) error { return errNoRedirects }

var errNoRedirects = errors.New("gateway: redirects are not followed")
