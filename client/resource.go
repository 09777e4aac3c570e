package client

import (
	"context"
	"net/http"
	"net/url"
)

// resource is one collection of the API (such as /v1/products) whose
// objects are T. Its methods are the calls every service makes alike, so
// an exported method only says which call it is and what it sends.
type resource[T any] struct {
	b    *backend
	path string
	// errEmptyID refuses an empty id before any request: without its id
	// the path would name the collection rather than an object.
	errEmptyID error
}

// create POSTs params to the collection. key is the params' own
// IdempotencyKey ("" for none); see idempotencyKey.
func (r resource[T]) create(ctx context.Context, params any, key string, opts []CallOption) (*T, error) {
	return send[T](ctx, r.b, http.MethodPost, r.path, nil, params, idempotencyKey(key, opts))
}

// get reads the object id.
func (r resource[T]) get(ctx context.Context, id string) (*T, error) {
	return r.at(ctx, http.MethodGet, id, "", nil, "")
}

// delete deletes the object id.
func (r resource[T]) delete(ctx context.Context, id string) (*T, error) {
	return r.at(ctx, http.MethodDelete, id, "", nil, "")
}

// post POSTs body (nil for none) to the object id, or to its action
// (path/id/action) when action is not "". key is as in create.
func (r resource[T]) post(ctx context.Context, id, action string, body any, key string, opts []CallOption) (*T, error) {
	return r.at(ctx, http.MethodPost, id, action, body, idempotencyKey(key, opts))
}

// at sends one call to the object id, or to its action.
func (r resource[T]) at(ctx context.Context, method, id, action string, body any, key string) (*T, error) {
	if id == "" {
		return nil, r.errEmptyID
	}
	path := r.path + "/" + url.PathEscape(id)
	if action != "" {
		path += "/" + action
	}
	return send[T](ctx, r.b, method, path, nil, body, key)
}

// idempotencyKey is the Idempotency-Key of a POST: a WithIdempotencyKey
// option's key, else key (a params' IdempotencyKey, or ""). "" makes the
// backend draw a random key for the call.
func idempotencyKey(key string, opts []CallOption) string {
	if k := applyCallOptions(opts).idempotencyKey; k != "" {
		return k
	}
	return key
}

// send makes one call and decodes its answer into a new T; a failed call
// returns no T, never a partly decoded one.
func send[T any](ctx context.Context, b *backend, method, path string, query url.Values, body any, key string) (*T, error) {
	out := new(T)
	if err := b.call(ctx, method, path, query, body, key, out); err != nil {
		return nil, err
	}
	return out, nil
}
