package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedProviderSettings is the stored form of checkout.ProviderSettings.
// Sealed values are base64 (as []byte marshals): ciphertext only, the key
// stays with the server.
type storedProviderSettings struct {
	AccountID string                               `json:"account_id"`
	Livemode  bool                                 `json:"livemode"`
	Providers map[string]storedProviderCredentials `json:"providers,omitempty"`
	Defaults  map[string]string                    `json:"defaults,omitempty"`
	Version   int64                                `json:"version"`
	Created   time.Time                            `json:"created"`
	Updated   time.Time                            `json:"updated"`
}

type storedProviderCredentials struct {
	Plain   map[string]string `json:"plain,omitempty"`
	Sealed  map[string][]byte `json:"sealed,omitempty"`
	Hints   map[string]string `json:"hints,omitempty"`
	Updated time.Time         `json:"updated"`
}

func init() {
	RegisterKind(checkout.ProviderSettingsKind, Codec{Encode: encodeProviderSettings, Decode: decodeProviderSettings})
}

func encodeProviderSettings(o checkout.Object) ([]byte, error) {
	p, ok := o.(*checkout.ProviderSettings)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.ProviderSettings", o)
	}
	r := storedProviderSettings{AccountID: p.AccountID, Livemode: p.Livemode, Version: p.Version,
		Created: UTC(p.Created), Updated: UTC(p.Updated)}
	if len(p.Providers) > 0 {
		r.Providers = make(map[string]storedProviderCredentials, len(p.Providers))
		for name, c := range p.Providers {
			r.Providers[name] = storedProviderCredentials{Plain: c.Plain, Sealed: c.Sealed, Hints: c.Hints, Updated: UTC(c.Updated)}
		}
	}
	if len(p.Defaults) > 0 {
		r.Defaults = make(map[string]string, len(p.Defaults))
		for m, name := range p.Defaults {
			r.Defaults[string(m)] = name
		}
	}
	return json.Marshal(&r)
}

func decodeProviderSettings(data []byte) (checkout.Object, error) {
	var r storedProviderSettings
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode provider settings: %w", err)
	}
	p := &checkout.ProviderSettings{AccountID: r.AccountID, Livemode: r.Livemode, Version: r.Version,
		Created: UTC(r.Created), Updated: UTC(r.Updated),
		Providers: make(map[string]checkout.ProviderCredentials, len(r.Providers)),
		Defaults:  make(map[checkout.Method]string, len(r.Defaults))}
	for name, c := range r.Providers {
		pc := checkout.ProviderCredentials{Plain: c.Plain, Sealed: c.Sealed, Hints: c.Hints, Updated: UTC(c.Updated)}
		if pc.Plain == nil {
			pc.Plain = map[string]string{}
		}
		if pc.Sealed == nil {
			pc.Sealed = map[string][]byte{}
		}
		if pc.Hints == nil {
			pc.Hints = map[string]string{}
		}
		p.Providers[name] = pc
	}
	for m, name := range r.Defaults {
		p.Defaults[checkout.Method(m)] = name
	}
	return p, nil
}
