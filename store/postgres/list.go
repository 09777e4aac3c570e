package postgres

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// Lists page on seq, the insertion order, never on timestamps (which need
// not be distinct) and never with OFFSET: a page is the limit+1 rows past
// the cursor's seq in an index that begins with the scope and ends with
// seq, and the extra row tells HasMore. The cursor id is resolved to its
// seq by a subquery of the page query itself, so a page is one round trip;
// only an empty page asks again whether the cursor exists, to tell an
// unknown cursor (an error naming the parameter) from the end of the list.

// defaultLimit is the page size when the caller gives none.
const defaultLimit = 10

// page normalizes a page size.
func page(limit int) int {
	if limit <= 0 {
		return defaultLimit
	}
	return limit
}

// pageQuery is a SELECT of data from one table in one scope ($1 and $2),
// whose WHERE clause is still open for filters.
type pageQuery struct {
	table string
	sql   strings.Builder
	args  []any
	// none: a filter holds text no row can (see held), so nothing matches.
	none bool
	// kind, in a query of objects, is the kind listed: $3 (see
	// newObjectQuery), which a cursor must be of too.
	kind string
}

// newPageQuery starts the page query of table, one of the store's own
// table names.
func newPageQuery(table string, scope checkout.Scope) *pageQuery {
	q := &pageQuery{table: table, args: make([]any, 2, 10)}
	q.args[0], q.args[1] = scope.AccountID, scope.Livemode
	q.sql.WriteString("SELECT data FROM " + table + " WHERE account_id = $1 AND livemode = $2")
	return q
}

// where adds a condition whose one placeholder, written $?, is arg.
func (q *pageQuery) where(cond string, arg any) {
	if s, ok := arg.(string); ok && !held(s) {
		q.none = true
	}
	q.args = append(q.args, arg)
	q.sql.WriteString(" AND ")
	q.sql.WriteString(strings.Replace(cond, "$?", "$"+strconv.Itoa(len(q.args)), 1))
}

// list runs the page query q with the cursor and limit of p, and decodes
// its rows into a page, newest first. what names the objects in the error
// of an unknown cursor. At most one cursor is used: starting_after wins if
// both are given.
func list[T any](ctx context.Context, s *Store, q *pageQuery, p checkout.ListParams, what string, decode func([]byte) (T, error)) (checkout.Page[T], error) {
	param, id, op := "starting_after", p.StartingAfter, "<"
	if id == "" {
		param, id, op = "ending_before", p.EndingBefore, ">"
	}
	if id != "" && !held(id) {
		return checkout.Page[T]{}, checkout.NotFound(param, what, id)
	}
	ofKind := ""
	if q.kind != "" {
		ofKind = " AND kind = $3"
	}
	if id != "" {
		q.where("seq "+op+" (SELECT seq FROM "+q.table+" WHERE id = $? AND account_id = $1 AND livemode = $2"+ofKind+")", id)
	}
	// ending_before pages are read upward from the cursor, and reversed
	// below.
	order, upward := " ORDER BY seq DESC", id != "" && op == ">"
	if upward {
		order = " ORDER BY seq ASC"
	}
	n := page(p.Limit)
	q.args = append(q.args, n+1)
	q.sql.WriteString(order + " LIMIT $" + strconv.Itoa(len(q.args)))

	var items []T
	if !q.none {
		rows, _ := s.pool.Query(ctx, q.sql.String(), q.args...)
		var err error
		if items, err = collect(rows, "list "+q.table, decode); err != nil {
			return checkout.Page[T]{}, err
		}
	}
	if len(items) == 0 && id != "" {
		var found bool
		args := []any{id, q.args[0], q.args[1]}
		if q.kind != "" {
			ofKind = " AND kind = $4"
			args = append(args, q.kind)
		}
		err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+q.table+" WHERE id = $1 AND account_id = $2 AND livemode = $3"+ofKind+")",
			args...).Scan(&found)
		if err != nil {
			return checkout.Page[T]{}, translate("resolve cursor", err)
		}
		if !found {
			return checkout.Page[T]{}, checkout.NotFound(param, what, id)
		}
	}
	out := checkout.Page[T]{Items: items, HasMore: len(items) > n}
	if out.Items == nil {
		out.Items = []T{}
	}
	if out.HasMore {
		out.Items = items[:n]
	}
	if upward {
		slices.Reverse(out.Items)
	}
	return out, nil
}
