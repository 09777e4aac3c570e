package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// Products: one price each (UnitAmount in Currency), copied into a
// session's line item or an invoice's line when it is added, so a later
// price change reaches only what is made after it. An archived product
// (active false) starts no checkout and is added to no invoice.

// ProductParams creates a product (Name, UnitAmount and Currency are
// required) or changes one (nil and "" fields are left alone). Errors name
// the canonical parameters: name, description, images, unit_amount,
// currency, active, metadata.
type ProductParams struct {
	Name        *string
	Description *string
	Images      []string // nil: unchanged; empty: none
	UnitAmount  *int64
	Currency    string
	Active      *bool
	Metadata    map[string]string
}

// ProductFilter narrows ListProducts: Active, when set, keeps the products
// whose active is that.
type ProductFilter struct {
	checkout.ListParams
	Active *bool
}

// checkProduct applies p to pr (built, or read to change), checking each
// field it sets.
func checkProduct(pr *checkout.Product, p *ProductParams) error {
	if p.Name != nil {
		if strings.TrimSpace(*p.Name) == "" {
			return checkout.Invalid("name", "parameter_invalid_empty", "name cannot be empty")
		}
		if err := checkText("name", *p.Name, MaxNameLen); err != nil {
			return err
		}
		pr.Name = *p.Name
	}
	if p.Description != nil {
		if err := checkText("description", *p.Description, MaxDescriptionLen); err != nil {
			return err
		}
		pr.Description = *p.Description
	}
	if p.Images != nil {
		if len(p.Images) > MaxImages {
			return checkout.Invalid("images", "parameter_invalid", "at most %d images; got %d", MaxImages, len(p.Images))
		}
		for j, img := range p.Images {
			// As a line item's images: any http(s) URL; the page shows
			// them only once fetched (images.go).
			if _, err := checkRedirectURL(fmt.Sprintf("images[%d]", j), img, false, true); err != nil {
				return err
			}
		}
		pr.Images = slices.Clone(p.Images)
	}
	if p.UnitAmount != nil {
		if *p.UnitAmount < 0 || *p.UnitAmount > checkout.MaxAmount {
			return checkout.Invalid("unit_amount", "parameter_invalid_integer", "unit_amount must be between 0 and %d; got %d", checkout.MaxAmount, *p.UnitAmount)
		}
		pr.UnitAmount = *p.UnitAmount
	}
	if p.Currency != "" {
		c, ok := checkout.ParseCurrency(p.Currency)
		if !ok {
			return checkout.Invalid("currency", "currency_invalid", "'%s' is not a supported ISO 4217 currency code", p.Currency)
		}
		pr.Currency = c
	}
	if p.Active != nil {
		pr.Active = *p.Active
	}
	if p.Metadata != nil {
		md, err := checkMetadata(p.Metadata)
		if err != nil {
			return err
		}
		pr.Metadata = md
	}
	return nil
}

// CreateProduct validates p and stores a new active product of scope with
// its product.created event. A rejected request writes nothing.
func (s *Service) CreateProduct(ctx context.Context, scope checkout.Scope, p *ProductParams) (*checkout.Product, error) {
	switch {
	case p.Name == nil:
		return nil, checkout.Invalid("name", "parameter_missing", "name is required")
	case p.UnitAmount == nil:
		return nil, checkout.Invalid("unit_amount", "parameter_missing", "unit_amount is required")
	case p.Currency == "":
		return nil, checkout.Invalid("currency", "parameter_missing", "currency is required")
	}
	now := s.now()
	pr := &checkout.Product{ID: s.ids.New("prod"), AccountID: scope.AccountID, Livemode: scope.Livemode, Active: true,
		Version: 1, Created: now, Updated: now}
	if err := checkProduct(pr, p); err != nil {
		return nil, err
	}
	if _, err := s.account(ctx, scope.AccountID); err != nil {
		return nil, err
	}
	ev := s.objectEvent(pr.Clone(), pr.AccountID, pr.Livemode, pr.ID, pr.Version, checkout.EventProductCreated, now)
	if err := s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{pr}, Events: []*checkout.Event{ev}}); err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return pr, nil
}

// GetProduct returns product id of scope, archived or not.
func (s *Service) GetProduct(ctx context.Context, scope checkout.Scope, id string) (*checkout.Product, error) {
	o, err := s.store.GetObject(ctx, scope, checkout.ProductKind, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "product", id)
	}
	if err != nil {
		return nil, err
	}
	pr, ok := o.(*checkout.Product)
	if !ok {
		return nil, checkout.NotFound("id", "product", id)
	}
	return pr, nil
}

// ListProducts returns one page of scope's products, newest first.
func (s *Service) ListProducts(ctx context.Context, scope checkout.Scope, f ProductFilter) (checkout.Page[*checkout.Product], error) {
	return filteredList(ctx, s.store, scope, checkout.ProductKind, f.ListParams, func(o checkout.Object) (*checkout.Product, bool) {
		pr, ok := o.(*checkout.Product)
		return pr, ok && (f.Active == nil || pr.Active == *f.Active)
	})
}

// UpdateProduct changes product id as p says, with a product.updated
// event. A rejected request writes nothing; one that changes nothing
// writes nothing either.
func (s *Service) UpdateProduct(ctx context.Context, scope checkout.Scope, id string, p *ProductParams) (*checkout.Product, error) {
	// Checked once before reading, so that bad input is named even for
	// a product that does not exist.
	if err := checkProduct(&checkout.Product{}, p); err != nil {
		return nil, err
	}
	var pr *checkout.Product
	var ev *checkout.Event
	err := retryCAS(func() error {
		var err error
		if pr, err = s.GetProduct(ctx, scope, id); err != nil {
			return err
		}
		before := pr.Clone()
		if err := checkProduct(pr, p); err != nil {
			return err
		}
		if ev = nil; sameProduct(before, pr) {
			return nil
		}
		now := s.now()
		pr.Version++
		pr.Updated = now
		ev = s.objectEvent(pr.Clone(), pr.AccountID, pr.Livemode, pr.ID, pr.Version, checkout.EventProductUpdated, now)
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{pr}, Events: []*checkout.Event{ev}})
	})
	if err != nil {
		return nil, err
	}
	if ev != nil {
		s.wakeDeliveries()
	}
	return pr, nil
}

// ArchiveProduct sets product id inactive: it starts no checkout from now
// on (sessions made before keep their lines).
func (s *Service) ArchiveProduct(ctx context.Context, scope checkout.Scope, id string) (*checkout.Product, error) {
	inactive := false
	return s.UpdateProduct(ctx, scope, id, &ProductParams{Active: &inactive})
}

func sameProduct(a, b *checkout.Product) bool {
	return a.Name == b.Name && a.Description == b.Description && slices.Equal(a.Images, b.Images) &&
		a.UnitAmount == b.UnitAmount && a.Currency == b.Currency && a.Active == b.Active && maps.Equal(a.Metadata, b.Metadata)
}

// productLine fills line item i of a request from its product: the
// product's current price, name, description and images. The product must
// be of scope and active; a line that names a product gives no price of
// its own. Every refusal names line_items[i][product] (or the price_data
// given beside it).
func (s *Service) productLine(ctx context.Context, scope checkout.Scope, i int, li *LineItemParams) error {
	param := fmt.Sprintf("line_items[%d][product]", i)
	if li.UnitAmount != nil || li.Currency != "" || li.Name != "" || li.Description != "" || li.Images != nil {
		return checkout.Invalid(fmt.Sprintf("line_items[%d][price_data]", i), "parameter_unexpected",
			"line_items[%d] names a product; give product or price_data, not both", i)
	}
	if len(li.Product) > 255 {
		return checkout.Invalid(param, "parameter_invalid", "%s is longer than 255 characters", param)
	}
	pr, err := s.GetProduct(ctx, scope, li.Product)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return checkout.Invalid(param, "resource_missing", "no such product: '%s'", li.Product)
	}
	if err != nil {
		return err
	}
	if !pr.Active {
		return checkout.Invalid(param, "product_inactive", "product %s is archived (active is false) and cannot be sold", pr.ID)
	}
	li.Currency, li.UnitAmount, li.Name, li.Description = string(pr.Currency), &pr.UnitAmount, pr.Name, pr.Description
	li.Images = slices.Clone(pr.Images)
	li.fromProduct = true
	return nil
}

// resolveProducts returns p's line items with those that name a product
// priced from it (a copy: the caller's are not changed).
func (s *Service) resolveProducts(ctx context.Context, scope checkout.Scope, items []LineItemParams) ([]LineItemParams, error) {
	if !slices.ContainsFunc(items, func(li LineItemParams) bool { return li.Product != "" && !li.fromProduct }) {
		return items, nil
	}
	out := slices.Clone(items)
	for i := range out {
		if out[i].Product == "" || out[i].fromProduct {
			continue
		}
		if err := s.productLine(ctx, scope, i, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
