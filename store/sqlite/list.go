package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// Lists page on seq, the insertion order, never on timestamps (which need not
// be distinct) and never with OFFSET: a cursor id is resolved to its seq,
// and a page is the limit+1 rows past it in an index that begins with the
// scope and ends with seq, or in several such ranges merged (see
// sessionQuery). The extra row tells HasMore.

// defaultLimit is the page size when the caller gives none.
const defaultLimit = 10

// page normalizes a page size.
func page(limit int) int {
	if limit <= 0 {
		return defaultLimit
	}
	return limit
}

// cursor is a resolved list cursor: dir < 0 for starting_after (older than
// seq), dir > 0 for ending_before (newer than seq), 0 for the first page.
type cursor struct {
	dir int
	seq int64
}

// cursor resolves the cursor of p to its seq in scope with seqStmt, whose
// arguments are the id, the scope and then more, if the list has more
// conditions (an object's kind); an id that is not in scope is a not-found
// error naming the parameter. At most one cursor is used: starting_after
// wins if both are given.
func (s *Store) cursor(ctx context.Context, seqStmt *sql.Stmt, scope checkout.Scope, p checkout.ListParams, what string, more ...any) (cursor, error) {
	param, id, dir := "starting_after", p.StartingAfter, -1
	if id == "" {
		param, id, dir = "ending_before", p.EndingBefore, 1
	}
	if id == "" {
		return cursor{}, nil
	}
	var seq int64
	err := seqStmt.QueryRowContext(ctx, append([]any{id, scope.AccountID, scope.Livemode}, more...)...).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return cursor{}, checkout.NotFound(param, what, id)
	} else if err != nil {
		return cursor{}, translate("resolve cursor", err)
	}
	return cursor{dir: dir, seq: seq}, nil
}

// pageQuery finishes q, a SELECT of data whose WHERE clause is still open, with the cursor, the order and the limit: newest first, except
// ending_before pages, which are read upward from the cursor and reversed by
// list.
func pageQuery(q *strings.Builder, args []any, c cursor, limit int) (string, []any) {
	where, more := c.where()
	q.WriteString(where)
	return pageEnd(q, append(args, more...), c, limit)
}

// where is the condition on seq that c puts on a page's rows.
func (c cursor) where() (string, []any) {
	switch {
	case c.dir < 0:
		return " AND seq < ?", []any{c.seq}
	case c.dir > 0:
		return " AND seq > ?", []any{c.seq}
	}
	return "", nil
}

// pageEnd adds the order and the limit to q, a query of data with its
// cursor already applied: one SELECT, or several under UNION ALL, which
// then also select seq for the ORDER BY.
func pageEnd(q *strings.Builder, args []any, c cursor, limit int) (string, []any) {
	if c.dir > 0 {
		q.WriteString(" ORDER BY seq ASC")
	} else {
		q.WriteString(" ORDER BY seq DESC")
	}
	q.WriteString(" LIMIT ?")
	return q.String(), append(args, page(limit)+1)
}

// list runs a page query and decodes its rows into a page, newest first.
func list[T any](ctx context.Context, s *Store, query string, args []any, p checkout.ListParams, decode func([]byte) (T, error)) (checkout.Page[T], error) {
	st, err := s.listStmt(ctx, query)
	if err != nil {
		return checkout.Page[T]{}, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return checkout.Page[T]{}, translate("list", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return checkout.Page[T]{}, translate("list", err)
	}
	var data sql.RawBytes
	var seq int64 // selected by a UNION ALL for its ORDER BY, not used here
	dest := []any{&data, &seq}[:len(cols)]
	n := page(p.Limit)
	items := make([]T, 0, min(n+1, 101))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return checkout.Page[T]{}, translate("list", err)
		}
		item, err := decode(data)
		if err != nil {
			return checkout.Page[T]{}, err
		}
		items = append(items, item)
	}
	if err := rows.Err(); err != nil {
		return checkout.Page[T]{}, translate("list", err)
	}
	out := checkout.Page[T]{Items: items, HasMore: len(items) > n}
	if out.HasMore {
		out.Items = items[:n]
	}
	if p.StartingAfter == "" && p.EndingBefore != "" {
		slices.Reverse(out.Items)
	}
	return out, nil
}
