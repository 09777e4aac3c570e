package checkout

import (
	"maps"
	"slices"
	"time"
)

// ProductKind is the ObjectKind of a Product.
const ProductKind = "product"

// Product events, written in the same Commit as the product.
const (
	EventProductCreated = "product.created"
	EventProductUpdated = "product.updated"
)

// Product is something a merchant sells at one price (seed 002's
// amountMinor and currency): a checkout for it, or an invoice line taken
// from it, copies its price at that moment, so a later change of the
// price never changes what an earlier session or invoice charges. An
// archived product (Active false) starts no checkout.
type Product struct {
	ID          string
	AccountID   string
	Livemode    bool
	Active      bool
	Name        string
	Description string
	Images      []string
	UnitAmount  int64 // minor units of Currency
	Currency    Currency
	Metadata    map[string]string

	Version int64
	Created time.Time
	Updated time.Time
}

// ObjectKind implements Object.
func (p *Product) ObjectKind() string { return ProductKind }

// ObjectID implements Object.
func (p *Product) ObjectID() string { return p.ID }

// Scope implements Object.
func (p *Product) Scope() Scope { return Scope{AccountID: p.AccountID, Livemode: p.Livemode} }

// ObjectVersion implements Object.
func (p *Product) ObjectVersion() int64 { return p.Version }

// ObjectCreated implements Object.
func (p *Product) ObjectCreated() time.Time { return p.Created }

// LookupKeys implements Object: a product is read by id in its scope only.
func (p *Product) LookupKeys() []string { return nil }

// Clone returns a deep copy, for event snapshots.
func (p *Product) Clone() *Product {
	c := *p
	c.Images = slices.Clone(p.Images)
	c.Metadata = maps.Clone(p.Metadata)
	return &c
}
