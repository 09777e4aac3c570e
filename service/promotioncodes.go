package service

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// PromotionCodeParams creates a promotion code (all fields) or changes
// one (Active and Metadata only; nil fields are left alone).
type PromotionCodeParams struct {
	Code           string
	Coupon         string
	Active         *bool
	MaxRedemptions *int64
	ExpiresAt      *time.Time
	Metadata       map[string]string
}

// PromotionCodeFilter narrows ListPromotionCodes; zero fields do not
// filter. Code matches in any case.
type PromotionCodeFilter struct {
	checkout.ListParams
	Code   string
	Coupon string
	Active *bool
}

// codeAlphabet spells generated codes: capitals and digits without the
// ones a customer confuses (0/O, 1/I).
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newCode() string {
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// CreatePromotionCode validates p and stores a new promotion code for a
// coupon of scope, with its promotion_code.created event. The code is
// unique among scope's active codes, in any case. A rejected request
// writes nothing.
func (s *Service) CreatePromotionCode(ctx context.Context, scope checkout.Scope, p *PromotionCodeParams) (*checkout.PromotionCode, error) {
	now := s.now()
	pc := &checkout.PromotionCode{ID: s.ids.New("promo"), AccountID: scope.AccountID, Livemode: scope.Livemode,
		Code: p.Code, Coupon: p.Coupon, Active: true, Version: 1, Created: now, Updated: now}
	if p.Coupon == "" {
		return nil, checkout.Invalid("coupon", "parameter_missing", "coupon is required")
	}
	if pc.Code == "" {
		pc.Code = newCode()
	} else if err := checkObjectName("code", pc.Code, MaxCodeLen); err != nil {
		return nil, err
	}
	if p.Active != nil {
		pc.Active = *p.Active
	}
	var err error
	if pc.MaxRedemptions, err = checkMaxRedemptions(p.MaxRedemptions); err != nil {
		return nil, err
	}
	if p.ExpiresAt != nil {
		if !p.ExpiresAt.After(now) {
			return nil, checkout.Invalid("expires_at", "parameter_invalid", "expires_at must be in the future")
		}
		pc.ExpiresAt = p.ExpiresAt.UTC().Truncate(time.Second)
	}
	if pc.Metadata, err = checkMetadata(p.Metadata); err != nil {
		return nil, err
	}
	c, err := s.GetCoupon(ctx, scope, p.Coupon)
	if err != nil {
		if checkout.IsKind(err, checkout.KindNotFound) {
			return nil, checkout.Invalid("coupon", "resource_missing", "no such coupon: '%s'", p.Coupon)
		}
		return nil, err
	}
	if c.Deleted {
		return nil, checkout.Invalid("coupon", "coupon_deleted", "coupon %s has been deleted", c.ID)
	}
	err = retryCAS(func() error {
		if err := s.codeFree(ctx, pc); err != nil {
			return err
		}
		ev := s.objectEvent(pc.Clone(), pc.AccountID, pc.Livemode, pc.ID, pc.Version, checkout.EventPromotionCodeCreated, now)
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{pc}, Events: []*checkout.Event{ev}})
	})
	if err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return pc, nil
}

// codeFree refuses pc, about to be written active, when another active
// code of its scope has its code: the store would refuse its lookup key
// (a conflict retryCAS retries), and the merchant must be told which
// parameter is at fault.
func (s *Service) codeFree(ctx context.Context, pc *checkout.PromotionCode) error {
	if !pc.Active {
		return nil
	}
	o, err := s.store.FindObject(ctx, checkout.PromotionCodeKind, checkout.PromotionCodeKey(pc.Scope(), pc.Code))
	switch {
	case checkout.IsKind(err, checkout.KindNotFound):
		return nil
	case err != nil:
		return err
	case o.ObjectID() == pc.ID:
		return nil
	}
	param := "code"
	if pc.Version > 1 {
		param = "active"
	}
	return checkout.Invalid(param, "promotion_code_exists", "an active promotion code '%s' exists already; codes are unique among active ones, in any case", pc.Code)
}

// GetPromotionCode returns promotion code id of scope.
func (s *Service) GetPromotionCode(ctx context.Context, scope checkout.Scope, id string) (*checkout.PromotionCode, error) {
	o, err := s.store.GetObject(ctx, scope, checkout.PromotionCodeKind, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "promotion code", id)
	}
	if err != nil {
		return nil, err
	}
	return o.(*checkout.PromotionCode), nil
}

// UpdatePromotionCode changes a code's active flag or metadata (any other
// field of p is refused by name), with a promotion_code.updated event.
// Reactivating a code whose name another active code has taken since is
// refused naming active.
func (s *Service) UpdatePromotionCode(ctx context.Context, scope checkout.Scope, id string, p *PromotionCodeParams) (*checkout.PromotionCode, error) {
	switch {
	case p.Code != "":
		return nil, checkout.Invalid("code", "parameter_unknown", "a promotion code's code cannot be changed; create a new one")
	case p.Coupon != "":
		return nil, checkout.Invalid("coupon", "parameter_unknown", "a promotion code's coupon cannot be changed; create a new one")
	case p.MaxRedemptions != nil:
		return nil, checkout.Invalid("max_redemptions", "parameter_unknown", "a promotion code's max_redemptions cannot be changed")
	case p.ExpiresAt != nil:
		return nil, checkout.Invalid("expires_at", "parameter_unknown", "a promotion code's expires_at cannot be changed; deactivate it with active=false")
	}
	var md map[string]string
	if p.Metadata != nil {
		var err error
		if md, err = checkMetadata(p.Metadata); err != nil {
			return nil, err
		}
	}
	var pc *checkout.PromotionCode
	err := retryCAS(func() error {
		var err error
		if pc, err = s.GetPromotionCode(ctx, scope, id); err != nil {
			return err
		}
		now := s.now()
		if p.Active != nil {
			pc.Active = *p.Active
		}
		if md != nil {
			pc.Metadata = md
		}
		pc.Version++
		pc.Updated = now
		if err := s.codeFree(ctx, pc); err != nil {
			return err
		}
		ev := s.objectEvent(pc.Clone(), pc.AccountID, pc.Livemode, pc.ID, pc.Version, checkout.EventPromotionCodeUpdated, now)
		return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{pc}, Events: []*checkout.Event{ev}})
	})
	if err != nil {
		return nil, err
	}
	s.wakeDeliveries()
	return pc, nil
}

// listScanPage is how many codes one store read takes while a filtered
// list looks for its page.
const listScanPage = 100

// ListPromotionCodes returns one page of scope's promotion codes, newest
// first, those matching f. The filters need no store query: the codes
// are read in store pages from the cursor on and matched here, so a
// filtered page costs a read of the codes between its ends (a scope has
// few codes next to its sessions).
func (s *Service) ListPromotionCodes(ctx context.Context, scope checkout.Scope, f PromotionCodeFilter) (checkout.Page[*checkout.PromotionCode], error) {
	var out checkout.Page[*checkout.PromotionCode]
	if err := checkList(&f.ListParams); err != nil {
		return out, err
	}
	match := func(pc *checkout.PromotionCode) bool {
		return (f.Code == "" || strings.EqualFold(pc.Code, f.Code)) && (f.Coupon == "" || pc.Coupon == f.Coupon) &&
			(f.Active == nil || pc.Active == *f.Active)
	}
	backwards := f.EndingBefore != ""
	p := checkout.ListParams{Limit: listScanPage, StartingAfter: f.StartingAfter, EndingBefore: f.EndingBefore}
	var found []*checkout.PromotionCode
	for {
		page, err := s.store.ListObjects(ctx, scope, checkout.PromotionCodeKind, p)
		if err != nil {
			return out, err
		}
		items := page.Items
		if backwards {
			// Nearest the cursor first: the page's oldest.
			for i := len(items) - 1; i >= 0; i-- {
				if pc := items[i].(*checkout.PromotionCode); match(pc) {
					found = append(found, pc)
				}
			}
		} else {
			for _, o := range items {
				if pc := o.(*checkout.PromotionCode); match(pc) {
					found = append(found, pc)
				}
			}
		}
		if len(found) > f.Limit || !page.HasMore || len(items) == 0 {
			break
		}
		if backwards {
			p.EndingBefore = items[0].ObjectID()
		} else {
			p.StartingAfter = items[len(items)-1].ObjectID()
		}
	}
	if len(found) > f.Limit {
		out.HasMore = true
		found = found[:f.Limit]
	}
	if backwards {
		for i, j := 0, len(found)-1; i < j; i, j = i+1, j-1 {
			found[i], found[j] = found[j], found[i]
		}
	}
	out.Items = found
	return out, nil
}
