package main

import (
	"time"

	"github.com/checkoutd/checkoutd/netguard"
	"github.com/checkoutd/checkoutd/provider/gateway"
)

// maxProviderTimeout bounds --provider-timeout below the server's write
// timeout (60 s, see run): a customer's payment waits for its gateway
// inside one request, and a call allowed to outlast the request would end
// with the customer told nothing while the gateway may still charge.
const maxProviderTimeout = 50 * time.Second

// gatewayOptions are the settings every gateway's provider is built with:
// the timeout of one call (--provider-timeout) and the SSRF guard that an
// API URL other than the gateway's documented host (stripe-mock, a local
// stand-in) must pass, which lets private addresses through only with
// --webhook-allow-private, the switch for every outbound call to a URL an
// operator or a merchant chose.
func (c *serveConfig) gatewayOptions() gateway.Options {
	return gateway.Options{Timeout: c.providerTimeout, Policy: netguard.Policy{AllowPrivate: c.allowPrivate}}
}
