package client

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// Product is something sold at one price: UnitAmount minor units of
// Currency. A session line or invoice line from it copies that price when
// it is added. Null fields decode as "".
type Product struct {
	// ID is "prod_...".
	ID     string `json:"id"`
	Object string `json:"object"`
	// Active is false once archived: no new session may sell it.
	Active      bool              `json:"active"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Images      []string          `json:"images"`
	UnitAmount  int64             `json:"unit_amount"`
	Currency    string            `json:"currency"`
	Metadata    map[string]string `json:"metadata"`
	Livemode    bool              `json:"livemode"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// ProductParams are the parameters of ProductService.Create: Name,
// UnitAmount and Currency are required. UnitAmount is always sent (a
// product may cost 0); other zero values are not.
type ProductParams struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Images      []string          `json:"images,omitempty"`
	UnitAmount  int64             `json:"unit_amount"`
	Currency    string            `json:"currency"`
	Metadata    map[string]string `json:"metadata,omitempty"`

	// IdempotencyKey, when set, replaces the random Idempotency-Key.
	IdempotencyKey string `json:"-"`
}

// ProductUpdateParams are what ProductService.Update changes; nil fields
// are left as they are.
type ProductUpdateParams struct {
	Name        *string           `json:"name,omitempty"`
	Description *string           `json:"description,omitempty"`
	Images      []string          `json:"images,omitempty"`
	UnitAmount  *int64            `json:"unit_amount,omitempty"`
	Currency    string            `json:"currency,omitempty"`
	Active      *bool             `json:"active,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// ProductListParams page ProductService.List and All; Active, when set,
// keeps only active (or only archived) products.
type ProductListParams struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
	Active        *bool
}

// ProductList is one page of products, newest first.
type ProductList struct {
	Object  string     `json:"object"`
	Data    []*Product `json:"data"`
	HasMore bool       `json:"has_more"`
	URL     string     `json:"url"`
}

// ProductService is the /v1/products resource. Get it from Client.Products.
type ProductService struct {
	b *backend
}

const productsPath = "/v1/products"

var errEmptyProductID = errors.New("checkoutd: product id is empty")

func (s *ProductService) res() resource[Product] {
	return resource[Product]{s.b, productsPath, errEmptyProductID}
}

// Create makes an active product.
func (s *ProductService) Create(ctx context.Context, params *ProductParams, opts ...CallOption) (*Product, error) {
	if params == nil {
		params = &ProductParams{}
	}
	return s.res().create(ctx, params, params.IdempotencyKey, opts)
}

// Get returns the product with the given id, archived or not.
func (s *ProductService) Get(ctx context.Context, id string) (*Product, error) {
	return s.res().get(ctx, id)
}

// Update changes a product. A new price reaches only what is made after.
func (s *ProductService) Update(ctx context.Context, id string, params *ProductUpdateParams, opts ...CallOption) (*Product, error) {
	if params == nil {
		params = &ProductUpdateParams{}
	}
	return s.res().post(ctx, id, "", params, "", opts)
}

// Archive sets a product inactive: no new checkout may sell it.
func (s *ProductService) Archive(ctx context.Context, id string, opts ...CallOption) (*Product, error) {
	inactive := false
	return s.Update(ctx, id, &ProductUpdateParams{Active: &inactive}, opts...)
}

// List returns one page of products, newest first.
func (s *ProductService) List(ctx context.Context, params *ProductListParams) (*ProductList, error) {
	q := url.Values{}
	if params != nil {
		encodePage(q, params.Limit, params.StartingAfter, params.EndingBefore)
		if params.Active != nil {
			q.Set("active", strconv.FormatBool(*params.Active))
		}
	}
	return list[ProductList](ctx, s.b, productsPath, q)
}

// All returns every product, fetching pages lazily as the loop advances
// (see SessionService.All).
func (s *ProductService) All(ctx context.Context, params *ProductListParams) iter.Seq2[*Product, error] {
	return all(ctx, params, s.List)
}

func (p *ProductListParams) cursors() (*string, *string) { return &p.StartingAfter, &p.EndingBefore }
func (l *ProductList) page() ([]*Product, bool)          { return l.Data, l.HasMore }
func (o *Product) objectID() string {
	if o == nil {
		return ""
	}
	return o.ID
}
