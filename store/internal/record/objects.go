package record

import (
	"encoding/json"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// The stored forms of the objects other than the session (see session.go).
// Their JSON names are the Go field names each object had when it was first
// stored, and databases in the field hold them: never rename one, whatever
// the domain's field is called now. Each xToStored shares the domain
// object's slices and maps, which encoding only reads; each xFromStored
// takes the stored form's, which is not used again. Times are normalized on
// the stored form, by its normalize method, on the way in and on the way out.

// storedAccount is the stored form of a checkout.Account.
type storedAccount struct {
	ID              string `json:"ID"`
	Name            string `json:"Name"`
	DefaultCurrency string `json:"DefaultCurrency"`
	// SessionTTL is in nanoseconds, as a time.Duration marshals.
	SessionTTL int64     `json:"SessionTTL"`
	Created    time.Time `json:"Created"`
	// Profile and Version came later: left out when empty, so that an
	// account never changed is stored byte for byte as before, and older
	// records read as an empty profile at version 0.
	Profile *storedProfile `json:"Profile,omitempty"`
	Version int64          `json:"Version,omitempty"`
	// HostLivemode: left out when false, as above.
	HostLivemode bool `json:"HostLivemode,omitempty"`
}

// storedProfile is the stored form of a checkout.Profile.
type storedProfile struct {
	DisplayName  string         `json:"DisplayName,omitempty"`
	SupportEmail string         `json:"SupportEmail,omitempty"`
	URL          string         `json:"URL,omitempty"`
	TermsURL     string         `json:"TermsURL,omitempty"`
	PrivacyURL   string         `json:"PrivacyURL,omitempty"`
	Branding     storedBranding `json:"Branding"`
}

// storedBranding is the stored form of a checkout.Branding.
type storedBranding struct {
	Logo        string `json:"Logo,omitempty"`
	BrandColor  string `json:"BrandColor,omitempty"`
	AccentColor string `json:"AccentColor,omitempty"`
	ButtonShape string `json:"ButtonShape,omitempty"`
	FontFamily  string `json:"FontFamily,omitempty"`
}

func accountToStored(a *checkout.Account) *storedAccount {
	r := &storedAccount{
		ID:              a.ID,
		Name:            a.Name,
		DefaultCurrency: string(a.DefaultCurrency),
		SessionTTL:      int64(a.SessionTTL),
		Created:         a.Created,
		Version:         a.Version,
		HostLivemode:    a.HostLivemode,
	}
	if p := a.Profile; p != (checkout.Profile{}) {
		b := p.Branding
		r.Profile = &storedProfile{DisplayName: p.DisplayName, SupportEmail: p.SupportEmail, URL: p.URL,
			TermsURL: p.TermsURL, PrivacyURL: p.PrivacyURL,
			Branding: storedBranding{Logo: b.Logo, BrandColor: b.BrandColor, AccentColor: b.AccentColor,
				ButtonShape: b.ButtonShape, FontFamily: b.FontFamily}}
	}
	return r
}

func accountFromStored(r *storedAccount) *checkout.Account {
	a := &checkout.Account{
		ID:              r.ID,
		Name:            r.Name,
		DefaultCurrency: checkout.Currency(r.DefaultCurrency),
		SessionTTL:      time.Duration(r.SessionTTL),
		Created:         r.Created,
		Version:         r.Version,
		HostLivemode:    r.HostLivemode,
	}
	if p := r.Profile; p != nil {
		b := p.Branding
		a.Profile = checkout.Profile{DisplayName: p.DisplayName, SupportEmail: p.SupportEmail, URL: p.URL,
			TermsURL: p.TermsURL, PrivacyURL: p.PrivacyURL,
			Branding: checkout.Branding{Logo: b.Logo, BrandColor: b.BrandColor, AccentColor: b.AccentColor,
				ButtonShape: b.ButtonShape, FontFamily: b.FontFamily}}
	}
	return a
}

func (r *storedAccount) normalize() { r.Created = UTC(r.Created) }

// EncodeAccount is the stored JSON of a.
func EncodeAccount(a *checkout.Account) ([]byte, error) {
	r := accountToStored(a)
	r.normalize()
	return encode("account", r)
}

// DecodeAccount is the inverse of EncodeAccount.
func DecodeAccount(data []byte) (*checkout.Account, error) {
	var r storedAccount
	if err := decode("account", data, &r); err != nil {
		return nil, err
	}
	r.normalize()
	return accountFromStored(&r), nil
}

// storedKey is the stored form of a checkout.APIKey. Only its creation time
// is normalized, as it always was.
type storedKey struct {
	ID        string `json:"ID"`
	AccountID string `json:"AccountID"`
	Livemode  bool   `json:"Livemode"`
	// Hash is in base64, as a []byte marshals.
	Hash      []byte    `json:"Hash"`
	Hint      string    `json:"Hint"`
	Created   time.Time `json:"Created"`
	LastUsed  time.Time `json:"LastUsed"`
	Revoked   time.Time `json:"Revoked"`
	ExpiresAt time.Time `json:"ExpiresAt"`
}

func keyToStored(k *checkout.APIKey) *storedKey {
	return &storedKey{
		ID:        k.ID,
		AccountID: k.AccountID,
		Livemode:  k.Livemode,
		Hash:      k.Hash,
		Hint:      k.Hint,
		Created:   k.Created,
		LastUsed:  k.LastUsed,
		Revoked:   k.Revoked,
		ExpiresAt: k.ExpiresAt,
	}
}

func keyFromStored(r *storedKey) *checkout.APIKey {
	return &checkout.APIKey{
		ID:        r.ID,
		AccountID: r.AccountID,
		Livemode:  r.Livemode,
		Hash:      r.Hash,
		Hint:      r.Hint,
		Created:   r.Created,
		LastUsed:  r.LastUsed,
		Revoked:   r.Revoked,
		ExpiresAt: r.ExpiresAt,
	}
}

func (r *storedKey) normalize() { r.Created = UTC(r.Created) }

// EncodeKey is the stored JSON of k, for a store that keeps keys as JSON
// (store/sqlite and store/postgres keep them in columns).
func EncodeKey(k *checkout.APIKey) ([]byte, error) {
	r := keyToStored(k)
	r.normalize()
	return encode("api key", r)
}

// DecodeKey is the inverse of EncodeKey.
func DecodeKey(data []byte) (*checkout.APIKey, error) {
	var r storedKey
	if err := decode("api key", data, &r); err != nil {
		return nil, err
	}
	r.normalize()
	return keyFromStored(&r), nil
}

// storedPayment is the stored form of a checkout.Payment.
type storedPayment struct {
	ID             string         `json:"ID"`
	AccountID      string         `json:"AccountID"`
	Livemode       bool           `json:"Livemode"`
	SessionID      string         `json:"SessionID"`
	Provider       string         `json:"Provider"`
	Method         string         `json:"Method"`
	Status         string         `json:"Status"`
	Amount         int64          `json:"Amount"`
	Currency       string         `json:"Currency"`
	CardBrand      string         `json:"CardBrand"`
	CardLast4      string         `json:"CardLast4"`
	FailureCode    string         `json:"FailureCode"`
	FailureMessage string         `json:"FailureMessage"`
	ProviderRef    string         `json:"ProviderRef"`
	Action         *storedAction  `json:"Action"`
	AmountRefunded int64          `json:"AmountRefunded,omitempty"`
	Deposit        *storedDeposit `json:"Deposit,omitempty"`
	CheckAt        time.Time      `json:"CheckAt,omitzero"`
	Version        int64          `json:"Version"`
	Created        time.Time      `json:"Created"`
	Updated        time.Time      `json:"Updated"`
	Coupon         string         `json:"Coupon,omitempty"`
	PromotionCode  string         `json:"PromotionCode,omitempty"`
}

func paymentToStored(p *checkout.Payment) *storedPayment {
	return &storedPayment{
		ID:             p.ID,
		AccountID:      p.AccountID,
		Livemode:       p.Livemode,
		SessionID:      p.SessionID,
		Provider:       p.Provider,
		Method:         string(p.Method),
		Status:         string(p.Status),
		Amount:         p.Amount,
		Currency:       string(p.Currency),
		CardBrand:      p.CardBrand,
		CardLast4:      p.CardLast4,
		FailureCode:    p.FailureCode,
		FailureMessage: p.FailureMessage,
		ProviderRef:    p.ProviderRef,
		Action:         storeAction(p.Action),
		AmountRefunded: p.AmountRefunded,
		Deposit:        depositToStored(p.Deposit),
		CheckAt:        UTC(p.CheckAt),
		Version:        p.Version,
		Created:        p.Created,
		Updated:        p.Updated,
		Coupon:         p.Coupon,
		PromotionCode:  p.PromotionCode,
	}
}

func paymentFromStored(r *storedPayment) *checkout.Payment {
	return &checkout.Payment{
		ID:             r.ID,
		AccountID:      r.AccountID,
		Livemode:       r.Livemode,
		SessionID:      r.SessionID,
		Provider:       r.Provider,
		Method:         checkout.Method(r.Method),
		Status:         checkout.PaymentState(r.Status),
		Amount:         r.Amount,
		Currency:       checkout.Currency(r.Currency),
		CardBrand:      r.CardBrand,
		CardLast4:      r.CardLast4,
		FailureCode:    r.FailureCode,
		FailureMessage: r.FailureMessage,
		ProviderRef:    r.ProviderRef,
		Action:         loadAction(r.Action),
		AmountRefunded: r.AmountRefunded,
		Deposit:        depositFromStored(r.Deposit),
		CheckAt:        UTC(r.CheckAt),
		Version:        r.Version,
		Created:        r.Created,
		Updated:        r.Updated,
		Coupon:         r.Coupon,
		PromotionCode:  r.PromotionCode,
	}
}

// normalize normalizes the times of r and of its action, which it owns.
func (r *storedPayment) normalize() {
	r.Created, r.Updated = UTC(r.Created), UTC(r.Updated)
	if r.Action != nil {
		r.Action.ExpiresAt = UTC(r.Action.ExpiresAt)
	}
}

// EncodePayment is the stored JSON of p.
func EncodePayment(p *checkout.Payment) ([]byte, error) {
	r := paymentToStored(p)
	r.normalize()
	return encode("payment", r)
}

// DecodePayment is the inverse of EncodePayment.
func DecodePayment(data []byte) (*checkout.Payment, error) {
	var r storedPayment
	if err := decode("payment", data, &r); err != nil {
		return nil, err
	}
	r.normalize()
	return paymentFromStored(&r), nil
}

// The payment's next action is mapped apart from the payment (action.go),
// so that its stored form can change on its own.

// storedEvent is the stored form of a checkout.Event: its snapshots of the
// objects that changed are the stored forms of those objects. An event that
// is not an endpoint's leaves the endpoint out, as it always has.
type storedEvent struct {
	ID        string          `json:"ID"`
	AccountID string          `json:"AccountID"`
	Livemode  bool            `json:"Livemode"`
	Type      string          `json:"Type"`
	Created   time.Time       `json:"Created"`
	Sequence  int64           `json:"Sequence"`
	ObjectID  string          `json:"ObjectID"`
	Session   *storedSession  `json:"Session"`
	Payment   *storedPayment  `json:"Payment"`
	Endpoint  *storedEndpoint `json:"Endpoint,omitempty"`
	// A generic object's snapshot (a payment link's).
	Object *storedObject `json:"Object,omitempty"`
}

// storedObject is a generic object's snapshot in an event: its kind and
// its kind's stored form.
type storedObject struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

func eventToStored(e *checkout.Event) (*storedEvent, error) {
	r := &storedEvent{
		ID:        e.ID,
		AccountID: e.AccountID,
		Livemode:  e.Livemode,
		Type:      e.Type,
		Created:   e.Created,
		Sequence:  e.Sequence,
		ObjectID:  e.ObjectID,
	}
	if e.Session != nil {
		r.Session = sessionToStored(e.Session)
	}
	if e.Payment != nil {
		r.Payment = paymentToStored(e.Payment)
	}
	if e.Endpoint != nil {
		r.Endpoint = endpointToStored(e.Endpoint)
	}
	if e.Object != nil {
		data, err := EncodeObject(e.Object)
		if err != nil {
			return nil, err
		}
		r.Object = &storedObject{Kind: e.Object.ObjectKind(), Data: data}
	}
	return r, nil
}

func eventFromStored(r *storedEvent) (*checkout.Event, error) {
	e := &checkout.Event{
		ID:        r.ID,
		AccountID: r.AccountID,
		Livemode:  r.Livemode,
		Type:      r.Type,
		Created:   r.Created,
		Sequence:  r.Sequence,
		ObjectID:  r.ObjectID,
	}
	if r.Session != nil {
		e.Session = sessionFromStored(r.Session)
	}
	if r.Payment != nil {
		e.Payment = paymentFromStored(r.Payment)
	}
	if r.Endpoint != nil {
		e.Endpoint = endpointFromStored(r.Endpoint)
	}
	if r.Object != nil {
		o, err := DecodeObject(r.Object.Kind, r.Object.Data)
		if err != nil {
			return nil, err
		}
		e.Object = o
	}
	return e, nil
}

// normalize normalizes the times of r and of its session and payment
// snapshots, like those of the objects themselves. The endpoint of an
// endpoint event is kept as given, as it always was.
func (r *storedEvent) normalize() {
	r.Created = UTC(r.Created)
	if r.Session != nil {
		r.Session.normalize()
	}
	if r.Payment != nil {
		r.Payment.normalize()
	}
}

// EncodeEvent is the stored JSON of e.
func EncodeEvent(e *checkout.Event) ([]byte, error) {
	r, err := eventToStored(e)
	if err != nil {
		return nil, err
	}
	r.normalize()
	return encode("event", r)
}

// DecodeEvent is the inverse of EncodeEvent.
func DecodeEvent(data []byte) (*checkout.Event, error) {
	var r storedEvent
	if err := decode("event", data, &r); err != nil {
		return nil, err
	}
	r.normalize()
	return eventFromStored(&r)
}

// storedEndpoint is the stored form of a checkout.WebhookEndpoint. An empty
// list of secrets stays empty ([]), a nil one null.
type storedEndpoint struct {
	ID             string            `json:"ID"`
	AccountID      string            `json:"AccountID"`
	Livemode       bool              `json:"Livemode"`
	URL            string            `json:"URL"`
	EnabledEvents  []string          `json:"EnabledEvents"`
	Description    string            `json:"Description"`
	Metadata       map[string]string `json:"Metadata"`
	Disabled       bool              `json:"Disabled"`
	DisabledReason string            `json:"DisabledReason"`
	Secrets        []storedSecret    `json:"Secrets"`
	FailingSince   time.Time         `json:"FailingSince"`
	Version        int64             `json:"Version"`
	Created        time.Time         `json:"Created"`
	Updated        time.Time         `json:"Updated"`
	// Format came later: left out when empty, so endpoints stored before
	// it keep their bytes and read back canonical.
	Format string `json:"Format,omitempty"`
}

// storedSecret is the stored form of a checkout.EndpointSecret.
type storedSecret struct {
	// Sealed is in base64, as a []byte marshals.
	Sealed    []byte    `json:"Sealed"`
	ExpiresAt time.Time `json:"ExpiresAt"`
}

func endpointToStored(e *checkout.WebhookEndpoint) *storedEndpoint {
	r := &storedEndpoint{
		ID:             e.ID,
		AccountID:      e.AccountID,
		Livemode:       e.Livemode,
		URL:            e.URL,
		EnabledEvents:  e.EnabledEvents,
		Description:    e.Description,
		Metadata:       e.Metadata,
		Disabled:       e.Disabled,
		DisabledReason: e.DisabledReason,
		FailingSince:   e.FailingSince,
		Version:        e.Version,
		Created:        e.Created,
		Updated:        e.Updated,
		Format:         e.Format,
	}
	if e.Secrets != nil {
		r.Secrets = make([]storedSecret, len(e.Secrets))
		for i, s := range e.Secrets {
			r.Secrets[i] = storedSecret{Sealed: s.Sealed, ExpiresAt: s.ExpiresAt}
		}
	}
	return r
}

func endpointFromStored(r *storedEndpoint) *checkout.WebhookEndpoint {
	e := &checkout.WebhookEndpoint{
		ID:             r.ID,
		AccountID:      r.AccountID,
		Livemode:       r.Livemode,
		URL:            r.URL,
		EnabledEvents:  r.EnabledEvents,
		Description:    r.Description,
		Metadata:       r.Metadata,
		Disabled:       r.Disabled,
		DisabledReason: r.DisabledReason,
		FailingSince:   r.FailingSince,
		Version:        r.Version,
		Created:        r.Created,
		Updated:        r.Updated,
		Format:         r.Format,
	}
	if r.Secrets != nil {
		e.Secrets = make([]checkout.EndpointSecret, len(r.Secrets))
		for i, s := range r.Secrets {
			e.Secrets[i] = checkout.EndpointSecret{Sealed: s.Sealed, ExpiresAt: s.ExpiresAt}
		}
	}
	return e
}

// normalize normalizes the times of r and of its secrets, which it owns.
func (r *storedEndpoint) normalize() {
	r.Created, r.Updated, r.FailingSince = UTC(r.Created), UTC(r.Updated), UTC(r.FailingSince)
	for i := range r.Secrets {
		r.Secrets[i].ExpiresAt = UTC(r.Secrets[i].ExpiresAt)
	}
}

// EncodeEndpoint is the stored JSON of e.
func EncodeEndpoint(e *checkout.WebhookEndpoint) ([]byte, error) {
	r := endpointToStored(e)
	r.normalize()
	return encode("webhook endpoint", r)
}

// DecodeEndpoint is the inverse of EncodeEndpoint.
func DecodeEndpoint(data []byte) (*checkout.WebhookEndpoint, error) {
	var r storedEndpoint
	if err := decode("webhook endpoint", data, &r); err != nil {
		return nil, err
	}
	r.normalize()
	return endpointFromStored(&r), nil
}

// storedDelivery is the stored form of a checkout.Delivery. An empty list
// of attempts stays empty ([]), a nil one null.
type storedDelivery struct {
	ID         string          `json:"ID"`
	AccountID  string          `json:"AccountID"`
	Livemode   bool            `json:"Livemode"`
	EventID    string          `json:"EventID"`
	EndpointID string          `json:"EndpointID"`
	Status     string          `json:"Status"`
	NextAt     time.Time       `json:"NextAt"`
	LeaseUntil time.Time       `json:"LeaseUntil"`
	Attempts   []storedAttempt `json:"Attempts"`
	Version    int64           `json:"Version"`
	Created    time.Time       `json:"Created"`
	Updated    time.Time       `json:"Updated"`
}

// storedAttempt is the stored form of a checkout.DeliveryAttempt.
type storedAttempt struct {
	At         time.Time `json:"At"`
	StatusCode int       `json:"StatusCode"`
	// Latency is in nanoseconds, as a time.Duration marshals.
	Latency int64  `json:"Latency"`
	Error   string `json:"Error"`
}

func deliveryToStored(d *checkout.Delivery) *storedDelivery {
	r := &storedDelivery{
		ID:         d.ID,
		AccountID:  d.AccountID,
		Livemode:   d.Livemode,
		EventID:    d.EventID,
		EndpointID: d.EndpointID,
		Status:     string(d.Status),
		NextAt:     d.NextAt,
		LeaseUntil: d.LeaseUntil,
		Version:    d.Version,
		Created:    d.Created,
		Updated:    d.Updated,
	}
	if d.Attempts != nil {
		r.Attempts = make([]storedAttempt, len(d.Attempts))
		for i, a := range d.Attempts {
			r.Attempts[i] = storedAttempt{At: a.At, StatusCode: a.StatusCode, Latency: int64(a.Latency), Error: a.Error}
		}
	}
	return r
}

func deliveryFromStored(r *storedDelivery) *checkout.Delivery {
	d := &checkout.Delivery{
		ID:         r.ID,
		AccountID:  r.AccountID,
		Livemode:   r.Livemode,
		EventID:    r.EventID,
		EndpointID: r.EndpointID,
		Status:     checkout.DeliveryStatus(r.Status),
		NextAt:     r.NextAt,
		LeaseUntil: r.LeaseUntil,
		Version:    r.Version,
		Created:    r.Created,
		Updated:    r.Updated,
	}
	if r.Attempts != nil {
		d.Attempts = make([]checkout.DeliveryAttempt, len(r.Attempts))
		for i, a := range r.Attempts {
			d.Attempts[i] = checkout.DeliveryAttempt{At: a.At, StatusCode: a.StatusCode, Latency: time.Duration(a.Latency), Error: a.Error}
		}
	}
	return d
}

// normalize normalizes the times of r and of its attempts, which it owns.
func (r *storedDelivery) normalize() {
	r.NextAt, r.LeaseUntil = UTC(r.NextAt), UTC(r.LeaseUntil)
	r.Created, r.Updated = UTC(r.Created), UTC(r.Updated)
	for i := range r.Attempts {
		r.Attempts[i].At = UTC(r.Attempts[i].At)
	}
}

// EncodeDelivery is the stored JSON of d.
func EncodeDelivery(d *checkout.Delivery) ([]byte, error) {
	r := deliveryToStored(d)
	r.normalize()
	return encode("delivery", r)
}

// DecodeDelivery is the inverse of EncodeDelivery. A store whose claims
// change a delivery's version and lease without rewriting its JSON sets
// those from where it keeps them.
func DecodeDelivery(data []byte) (*checkout.Delivery, error) {
	var r storedDelivery
	if err := decode("delivery", data, &r); err != nil {
		return nil, err
	}
	r.normalize()
	return deliveryFromStored(&r), nil
}
