package postgres

import (
	"strings"
	"unicode/utf8"
)

// held reports whether PostgreSQL's text can hold s: valid UTF-8 without NUL.
// The database refuses a whole statement that carries anything else
// (SQLSTATE 22021), so an id, cursor or filter from a URL holding such bytes
// would be an internal error. No stored text can contain them, so a read by
// such a string is answered here without asking: not found, or no match.
func held(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}
