package http

import (
	"context"
	"net/http"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// In-store companion devices (seed 002's companionDeviceId), managed with
// the account's secret keys; a device pairs itself with the code the
// merchant reads off the creation's answer (POST /v2/devices/pair). A
// device created with stripeReaderId is the account's Stripe Terminal
// reader instead: Stripe paired it, so it is active at once, with no
// pairing code and no token (Stripe drives it, not the device API).

// v2Device is a device as the dialect shows it. Secrets are never in it:
// the pairing code and the token appear once each, in their own answers.
type v2Device struct {
	ID               string  `json:"id"`
	Object           string  `json:"object"`
	Name             string  `json:"name"`
	Status           string  `json:"status"`
	Livemode         bool    `json:"livemode"`
	PairingCode      string  `json:"pairingCode,omitempty"`
	PairingExpiresAt *string `json:"pairingExpiresAt"`
	PairedAt         *string `json:"pairedAt"`
	RevokedAt        *string `json:"revokedAt"`
	StripeReaderID   *string `json:"stripeReaderId"`
	CreatedAt        string  `json:"createdAt"`
	DeviceToken      string  `json:"deviceToken,omitempty"`
}

func renderV2Device(d *checkout.Device) v2Device {
	return v2Device{ID: d.ID, Object: "device", Name: d.Name, Status: string(d.Status), Livemode: d.Livemode,
		PairingExpiresAt: optTime(d.PairingExpires), PairedAt: optTime(d.PairedAt), RevokedAt: optTime(d.RevokedAt), StripeReaderID: optString(d.ReaderID), CreatedAt: rfc3339(d.Created)}
}

// decodeV2Device reads the body of create and rename: name, required, and
// stripeReaderId (nil when absent or null).
func decodeV2Device(r *http.Request) (name string, reader *string, err error) {
	v, err := requestParams(r)
	if err != nil {
		return "", nil, v2Decoded(err)
	}
	name, named := v.String("name")
	if id, ok := v.String("stripeReaderId"); ok {
		reader = &id
	}
	if err := v.Err(); err != nil {
		return "", nil, v2Decoded(err)
	}
	if !named {
		return "", nil, checkout.Invalid("name", "parameter_missing", "name is required")
	}
	return name, reader, nil
}

func (s *Server) createDevice(r *http.Request, scope checkout.Scope) (any, error) {
	name, reader, err := decodeV2Device(r)
	if err != nil {
		return nil, err
	}
	if reader != nil {
		d, err := s.svc.CreateReaderDevice(r.Context(), scope, name, *reader)
		if err != nil {
			return nil, err
		}
		return renderV2Device(d), nil
	}
	nd, err := s.svc.CreateDevice(r.Context(), scope, name)
	if err != nil {
		return nil, err
	}
	d := renderV2Device(nd.Device)
	d.PairingCode = nd.PairingCode
	return d, nil
}

func (s *Server) listDevices(r *http.Request, scope checkout.Scope) (any, error) {
	return v2ListOf(r, scope, onlyCursor, s.svc.ListDevices, renderV2Device)
}

func (s *Server) getDevice(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	d, err := s.svc.GetDevice(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderV2Device(d), nil
}

func (s *Server) renameDevice(r *http.Request, scope checkout.Scope) (any, error) {
	name, reader, err := decodeV2Device(r)
	if err != nil {
		return nil, err
	}
	if reader != nil {
		return nil, checkout.Invalid("stripeReaderId", "parameter_unknown", "a device's reader cannot be changed: create another device for another reader")
	}
	d, err := s.svc.RenameDevice(r.Context(), scope, r.PathValue("id"), name)
	if err != nil {
		return nil, err
	}
	return renderV2Device(d), nil
}

func (s *Server) revokeDevice(r *http.Request, scope checkout.Scope) (any, error) {
	if err := noParams(r); err != nil {
		return nil, v2Decoded(err)
	}
	d, err := s.svc.RevokeDevice(r.Context(), scope, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return renderV2Device(d), nil
}

// pairDevice redeems a pairing code: no key, the code is the credential,
// so wrong codes count against the address's guessing budget.
func (s *Server) pairDevice(w http.ResponseWriter, r *http.Request) {
	// As every API call: a pairing is not cut in half by a hang-up.
	r = r.WithContext(context.WithoutCancel(r.Context()))
	v, err := requestParams(r)
	if err != nil {
		s.writeError(w, r, v2Error(v2Decoded(err))) // named as sent
		return
	}
	code, _ := v.String("code")
	if err := v.Err(); err != nil {
		s.writeError(w, r, v2Error(v2Decoded(err))) // named as sent
		return
	}
	var pd *service.PairedDevice
	if !s.guarded(w, r, "pair", func() bool {
		pd, err = s.svc.PairDevice(r.Context(), code)
		return checkout.IsKind(err, checkout.KindNotFound)
	}) {
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d := renderV2Device(pd.Device)
	d.DeviceToken = pd.Token
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, http.StatusOK, v2Data{Data: d})
}
