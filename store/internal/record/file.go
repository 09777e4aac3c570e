package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// storedFile is the stored form of a checkout.File; Data is base64, as a
// []byte marshals (a few hundred KiB at most: the image size limit).
type storedFile struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Livemode  bool      `json:"livemode"`
	Purpose   string    `json:"purpose"`
	Status    string    `json:"status"`
	Type      string    `json:"type,omitempty"`
	Size      int64     `json:"size,omitempty"`
	SHA256    string    `json:"sha256,omitempty"`
	Data      []byte    `json:"data,omitempty"`
	SourceURL string    `json:"source_url,omitempty"`
	Failure   string    `json:"failure,omitempty"`
	RetryAt   time.Time `json:"retry_at"`
	Version   int64     `json:"version"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

func init() {
	RegisterKind(checkout.FileKind, Codec{Encode: encodeFile, Decode: decodeFile})
}

func encodeFile(o checkout.Object) ([]byte, error) {
	f, ok := o.(*checkout.File)
	if !ok {
		return nil, fmt.Errorf("record: %T is not a *checkout.File", o)
	}
	return json.Marshal(&storedFile{ID: f.ID, AccountID: f.AccountID, Livemode: f.Livemode, Purpose: f.Purpose,
		Status: f.Status, Type: f.Type, Size: f.Size, SHA256: f.SHA256, Data: f.Data, SourceURL: f.SourceURL,
		Failure: f.Failure, RetryAt: UTC(f.RetryAt), Version: f.Version, Created: UTC(f.Created), Updated: UTC(f.Updated)})
}

func decodeFile(data []byte) (checkout.Object, error) {
	var r storedFile
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("record: decode file: %w", err)
	}
	return &checkout.File{ID: r.ID, AccountID: r.AccountID, Livemode: r.Livemode, Purpose: r.Purpose,
		Status: r.Status, Type: r.Type, Size: r.Size, SHA256: r.SHA256, Data: r.Data, SourceURL: r.SourceURL,
		Failure: r.Failure, RetryAt: UTC(r.RetryAt), Version: r.Version, Created: UTC(r.Created), Updated: UTC(r.Updated)}, nil
}
