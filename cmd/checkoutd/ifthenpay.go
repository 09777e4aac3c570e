package main

import (
	"flag"
	"fmt"
	"net/url"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/ifthenpay"
	"github.com/checkoutd/checkoutd/provider/sim"
)

// ifthenpayFlags are serve's settings for the Ifthenpay gateway.
type ifthenpayFlags struct {
	apiURL string
}

func (f *ifthenpayFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.apiURL, "ifthenpay-api-url", ifthenpay.DefaultAPIURL,
		"base URL of Ifthenpay's API (references are requested at <url>/multibanco/reference/init, or …/sandbox in test mode); point it at a stand-in for tests. Another host than Ifthenpay's is reached through the SSRF guard (--webhook-allow-private lets it be local)")
}

func (f *ifthenpayFlags) validate() error {
	u, err := url.Parse(f.apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--ifthenpay-api-url must be an absolute http(s) URL such as %s, got %q", ifthenpay.DefaultAPIURL, f.apiURL)
	}
	return nil
}

// factory is the ifthenpay provider of every account: built from its own
// credentials, or, in test mode without them, the simulator under
// Ifthenpay's name.
func (f *ifthenpayFlags) factory(simulator *sim.Provider, clock checkout.Clock, gw gateway.Options) checkout.CredentialedFactory {
	return ifthenpay.Factory(ifthenpay.Options{APIURL: f.apiURL, Gateway: gw, VoucherTTL: simulator.VoucherTTL, Clock: clock},
		sim.StandIn(simulator, ifthenpay.Name, checkout.MethodMultibanco))
}
