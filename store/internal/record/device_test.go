package record

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// goldenDevice pins the stored names of a device: databases will hold them.
const goldenDevice = `{"id":"dev_golden","account_id":"acct_golden","livemode":true,"name":"Till 1","status":"active","token_hash":"ab12","paired_at":"2026-03-14T15:10:26.535897Z","version":2,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:10:26.535897Z"}`

func TestGoldenDevice(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)
	d := &checkout.Device{ID: "dev_golden", AccountID: "acct_golden", Livemode: true, Name: "Till 1", Status: checkout.DeviceActive,
		TokenHash: "ab12", PairedAt: t0.Add(time.Minute), Version: 2, Created: t0, Updated: t0.Add(time.Minute)}
	data, err := EncodeObject(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != goldenDevice {
		t.Errorf("a device's stored form changed:\n got %s\nwant %s", data, goldenDevice)
	}
	got, err := DecodeObject(checkout.DeviceKind, []byte(goldenDevice))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("the golden device reads back as %+v, want %+v", got, d)
	}
	// A reader device keeps its reader's id under its own name.
	rd := &checkout.Device{ID: "dev_r", AccountID: "acct_golden", Livemode: true, Name: "Counter", Status: checkout.DeviceActive,
		ReaderID: "tmr_FDOt2wlRZEdpd7", Version: 1, Created: t0, Updated: t0}
	const goldenReader = `{"id":"dev_r","account_id":"acct_golden","livemode":true,"name":"Counter","status":"active","reader_id":"tmr_FDOt2wlRZEdpd7","version":1,"created":"2026-03-14T15:09:26.535897Z","updated":"2026-03-14T15:09:26.535897Z"}`
	if data, err = EncodeObject(rd); err != nil || string(data) != goldenReader {
		t.Errorf("a reader device stored as\n got %s\nwant %s (%v)", data, goldenReader, err)
	}
	if got, err := DecodeObject(checkout.DeviceKind, []byte(goldenReader)); err != nil || !reflect.DeepEqual(got, rd) {
		t.Errorf("the golden reader device reads back as %+v, %v", got, err)
	}
	// A pending device keeps its code's hash and deadline, never the code.
	p := &checkout.Device{ID: "dev_p", AccountID: "acct_golden", Name: "x", Status: checkout.DevicePending,
		PairingHash: checkout.HashDeviceSecret("ABCD-EFGH"), PairingExpires: t0, Version: 1, Created: t0, Updated: t0}
	data, err = EncodeObject(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "ABCD") || !strings.Contains(string(data), `"pairing_expires":"2026-03-14T15:09:26.535897Z"`) {
		t.Errorf("a pending device stored as %s", data)
	}
}
