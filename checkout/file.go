package checkout

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// FileKind is the ObjectKind of a File.
const FileKind = "file"

// File purposes: why an image is stored.
const (
	// FilePurposeLogo is an account's logo, uploaded (Stripe's name).
	FilePurposeLogo = "business_logo"
	// FilePurposeItemImage is a copy of a line item's image, fetched from
	// the merchant's URL so that the page loads nothing from elsewhere.
	FilePurposeItemImage = "line_item_image"
)

// File statuses. An uploaded file is ready at once; a fetched one is
// claimed (fetching) by one process, then ready or failed.
const (
	FileReady    = "ready"
	FileFetching = "fetching"
	FileFailed   = "failed"
)

// File is an image checkoutd keeps and serves from its own origin
// (/files/{id}): an account's logo, or a line item's image. Its type is
// sniffed from its bytes, never taken from a name or a header.
type File struct {
	ID        string
	AccountID string
	Livemode  bool
	Purpose   string
	Status    string
	// Type is the sniffed image type: "png", "jpeg", "gif" or "webp".
	Type   string
	Size   int64
	SHA256 string // hex of Data
	Data   []byte
	// SourceURL is the merchant URL a line item's image came from; ""
	// for an upload. The file is found by it (SourceKey) so that each URL
	// is fetched once per account.
	SourceURL string
	// Failure is why a fetch failed, a short code (fetch_failed,
	// too_large, not_an_image, blocked, http_status).
	Failure string
	// RetryAt is, for a fetching file, when its claim lapses and another
	// process may fetch it; for a failed one, when a new session may have
	// it fetched again.
	RetryAt time.Time
	Version int64
	Created time.Time
	Updated time.Time
}

// ContentType is the MIME type the file is served with.
func (f *File) ContentType() string { return "image/" + f.Type }

// ObjectKind implements Object.
func (f *File) ObjectKind() string { return FileKind }

// ObjectID implements Object.
func (f *File) ObjectID() string { return f.ID }

// Scope implements Object.
func (f *File) Scope() Scope { return Scope{AccountID: f.AccountID, Livemode: f.Livemode} }

// ObjectVersion implements Object.
func (f *File) ObjectVersion() int64 { return f.Version }

// ObjectCreated implements Object.
func (f *File) ObjectCreated() time.Time { return f.Created }

// LookupKeys implements Object: the id, so that the public /files/{id}
// finds a file without a key, and for a fetched image its SourceKey.
func (f *File) LookupKeys() []string {
	if f.SourceURL == "" {
		return []string{f.ID}
	}
	return []string{f.ID, SourceKey(f.AccountID, f.SourceURL)}
}

// SourceKey is the lookup key of the image an account's line items name by
// url: one per account and URL, whatever the mode.
func SourceKey(accountID, url string) string {
	h := sha256.Sum256([]byte(url))
	return "src:" + accountID + ":" + hex.EncodeToString(h[:])
}
