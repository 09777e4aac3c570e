package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	_ "image/gif" // the decoders sniffImage checks headers with
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// ImageConfig tunes stored images (logos and line items' images). Zero
// fields take their defaults.
type ImageConfig struct {
	// MaxBytes bounds an image, uploaded or fetched (DefaultImageMaxBytes).
	MaxBytes int64
	// FetchTimeout bounds one fetch of a line item's image
	// (DefaultImageFetchTimeout).
	FetchTimeout time.Duration
	// FetchConcurrency is how many fetches run at once in this process
	// (DefaultImageFetchConcurrency).
	FetchConcurrency int
	// RetryFailedAfter is how long a URL whose fetch failed is left alone
	// before a new session may have it fetched again
	// (DefaultImageRetryFailedAfter).
	RetryFailedAfter time.Duration
}

// Image defaults.
const (
	DefaultImageMaxBytes         = 512 << 10
	DefaultImageFetchTimeout     = 10 * time.Second
	DefaultImageFetchConcurrency = 4
	DefaultImageRetryFailedAfter = time.Hour
)

func (c *ImageConfig) fill() {
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultImageMaxBytes
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = DefaultImageFetchTimeout
	}
	if c.FetchConcurrency <= 0 {
		c.FetchConcurrency = DefaultImageFetchConcurrency
	}
	if c.RetryFailedAfter <= 0 {
		c.RetryFailedAfter = DefaultImageRetryFailedAfter
	}
}

// ImageMaxBytes is the largest image the service takes.
func (s *Service) ImageMaxBytes() int64 { return s.images.MaxBytes }

// MaxImageSide bounds an image's width and height in pixels: a small file
// can claim a huge canvas, which a browser would try to allocate.
const MaxImageSide = 8192

// sniffImage is the type of an image by its content alone: PNG, JPEG, GIF
// or WebP. Anything else, SVG above all (it can carry script), is refused.
// Past the signature, the header must parse as that type's, with sides of
// at most MaxImageSide (WebP, which the standard library does not decode,
// must name a VP8 chunk).
func sniffImage(data []byte) (string, bool) {
	typ := ""
	switch http.DetectContentType(data) {
	case "image/png":
		typ = "png"
	case "image/jpeg":
		typ = "jpeg"
	case "image/gif":
		typ = "gif"
	case "image/webp":
		return "webp", len(data) > 16 && string(data[12:15]) == "VP8"
	default:
		return "", false
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || format != typ || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return "", false
	}
	return typ, true
}

// UploadFile stores an image the account uploaded (purpose business_logo)
// and returns it; its id can then be set as the account's logo.
func (s *Service) UploadFile(ctx context.Context, scope checkout.Scope, purpose string, data []byte) (*checkout.File, error) {
	switch purpose {
	case checkout.FilePurposeLogo:
	case "":
		return nil, checkout.Invalid("purpose", "parameter_missing", "purpose is required: business_logo")
	default:
		return nil, checkout.Invalid("purpose", "parameter_invalid", "purpose must be business_logo, not '%s'", purpose)
	}
	if len(data) == 0 {
		return nil, checkout.Invalid("file", "parameter_missing", "file is required: the image, as a multipart/form-data part named file")
	}
	if int64(len(data)) > s.images.MaxBytes {
		return nil, checkout.Invalid("file", "file_too_large", "file is larger than the %d bytes an image may have", s.images.MaxBytes)
	}
	typ, ok := sniffImage(data)
	if !ok {
		return nil, checkout.Invalid("file", "file_type_invalid", "file must be a PNG, JPEG, GIF or WebP image (SVG is not accepted); its content is none of them")
	}
	now := s.now()
	f := &checkout.File{ID: s.ids.New("file"), AccountID: scope.AccountID, Livemode: scope.Livemode, Purpose: purpose,
		Status: checkout.FileReady, Version: 1, Created: now, Updated: now}
	setImage(f, typ, data)
	if err := s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{f}}); err != nil {
		return nil, err
	}
	return f, nil
}

func setImage(f *checkout.File, typ string, data []byte) {
	sum := sha256.Sum256(data)
	f.Type, f.Data, f.Size, f.SHA256 = typ, data, int64(len(data)), hex.EncodeToString(sum[:])
}

// FindFile returns a stored image by id alone, for /files/{id}, which the
// page loads without a key; ErrNotFound unless it is ready to serve.
func (s *Service) FindFile(ctx context.Context, id string) (*checkout.File, error) {
	f, err := s.findFile(ctx, id)
	if err != nil {
		return nil, err
	}
	if f.Status != checkout.FileReady {
		return nil, checkout.ErrNotFound
	}
	return f, nil
}

// findFile returns the file with id, in whatever status and scope.
func (s *Service) findFile(ctx context.Context, id string) (*checkout.File, error) {
	o, err := s.store.FindObject(ctx, checkout.FileKind, id)
	if err != nil {
		return nil, err
	}
	f, ok := o.(*checkout.File)
	// A file's other lookup key (its source URL's) finds it too; only its
	// id may here.
	if !ok || f.ID != id {
		return nil, checkout.ErrNotFound
	}
	return f, nil
}
