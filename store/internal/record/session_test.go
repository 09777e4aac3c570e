package record

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// filler sets values of the domain types by reflection, so that a field
// added to one is set here without anyone touching this file: if the
// mapping to or from its stored form misses it, it does not round-trip.
type filler struct {
	// r, if set, makes random values, with nil and empty slices and maps,
	// zero times and times in any zone, some of them times JSON cannot
	// hold. Without it every field is set, to a value of its own.
	r *rand.Rand
	n int
}

// awkward are the pieces random strings are made of: what JSON escapes, or
// could. All are valid UTF-8; encoding/json replaces invalid bytes, as it
// always has.
var awkward = []string{
	"a", "Zz9", " ", "<", ">", "&", "<script>", "\u2028", "\u2029", "\x00", "\x01", "\x1f", "\x7f",
	`"`, `\`, "/", "\b", "\f", "\n", "\r", "\t", "é", "€", "😀", "\ufffd", "\u00a0", "\u200b", "\uffff", "\U0010ffff",
	"https://shop.example/ok?session_id={CHECKOUT_SESSION_ID}&x=1",
}

// zones are the zones of random times. None has an offset with seconds:
// RFC 3339 drops them, so such a time reads back another instant (the
// service's clock gives UTC).
var zones = []*time.Location{
	time.UTC, time.FixedZone("CET", 3600), time.FixedZone("", -(3*3600 + 30*60)), time.FixedZone("", 14*3600),
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	nextActionType = reflect.TypeFor[checkout.NextAction]()
	objectType     = reflect.TypeFor[checkout.Object]()
)

// action fills a next action as providers make them: the fields of one
// kind, whose sub-struct is set (action_test.go goes through every kind).
func (f *filler) action(v reflect.Value, n int) {
	kinds := []string{"Redirect", "ClientSecret", "Voucher", "DepositAddress", "Device"}
	// A deposit address's action has no sub-struct: its address is the
	// payment's Deposit.
	field := kinds[n%len(kinds)]
	if f.r != nil {
		field = kinds[f.r.IntN(len(kinds))]
	}
	a := checkout.NextAction{Kind: map[string]checkout.NextActionKind{"Redirect": checkout.NextActionRedirect,
		"ClientSecret": checkout.NextActionClientSecret, "Voucher": checkout.NextActionVoucher,
		"DepositAddress": checkout.NextActionDepositAddress, "Device": checkout.NextActionDevice}[field], ExpiresAt: f.time(n)}
	v.Set(reflect.ValueOf(a))
	if field == "DepositAddress" {
		return
	}
	sub := v.FieldByName(field)
	sub.Set(reflect.New(sub.Type().Elem()))
	f.fill(sub.Elem())
}

func (f *filler) value(t reflect.Type) any {
	v := reflect.New(t).Elem()
	f.fill(v)
	return v.Addr().Interface()
}

// size is how many elements a slice or map gets: 2, or at random none
// (nil), none (empty) or up to 3.
func (f *filler) size(v reflect.Value) int {
	if f.r == nil {
		return 2
	}
	switch f.r.IntN(4) {
	case 0:
		return -1 // nil
	case 1:
		return 0
	}
	return 1 + f.r.IntN(3)
}

func (f *filler) fill(v reflect.Value) {
	f.n++
	n := f.n
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(f.time(n)))
		return
	}
	if v.Type() == nextActionType {
		f.action(v, n)
		return
	}
	if v.Type() == objectType {
		// A generic object in an event: a payment link, every field set.
		v.Set(reflect.ValueOf(f.value(reflect.TypeFor[checkout.PaymentLink]())))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if f.r == nil {
			v.SetString(fmt.Sprintf("<%d é\u2028>", n))
			return
		}
		var s string
		for range f.r.IntN(5) {
			s += awkward[f.r.IntN(len(awkward))]
		}
		v.SetString(s)
	case reflect.Int, reflect.Int64:
		switch {
		case f.r == nil:
			v.SetInt(int64(n))
		case f.r.IntN(4) == 0:
			v.SetInt([]int64{0, math.MinInt64, math.MaxInt64, -1}[f.r.IntN(4)])
		default:
			v.SetInt(f.r.Int64N(1e12))
		}
	case reflect.Uint32, reflect.Uint64:
		switch {
		case f.r == nil:
			v.SetUint(uint64(n))
		case f.r.IntN(4) == 0:
			v.SetUint([]uint64{0, 1, math.MaxUint32}[f.r.IntN(3)])
		default:
			v.SetUint(f.r.Uint64N(1e9))
		}
	case reflect.Bool:
		v.SetBool(f.r == nil || f.r.IntN(2) == 0)
	case reflect.Pointer:
		if f.r != nil && f.r.IntN(4) == 0 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			f.fill(v.Field(i))
		}
	case reflect.Slice:
		size := f.size(v)
		if size < 0 {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), size, size))
		for i := range size {
			if v.Type().Elem().Kind() == reflect.Uint8 { // []byte
				v.Index(i).SetUint(uint64(n + i))
			} else {
				f.fill(v.Index(i))
			}
		}
	case reflect.Map:
		size := f.size(v)
		if size < 0 {
			return
		}
		v.Set(reflect.MakeMap(v.Type()))
		for range size {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k)
			f.fill(e)
			v.SetMapIndex(k, e)
		}
	default:
		panic(fmt.Sprintf("filler: teach it to set a %s", v.Type()))
	}
}

// time is a time of its own, in UTC to the microsecond (what stores keep)
// when every field is set; at random it is zero often, in any zone with any
// nanoseconds, and once in a while one that JSON cannot hold.
func (f *filler) time(n int) time.Time {
	t0 := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	if f.r == nil {
		return t0.Add(time.Duration(n)*time.Second + time.Duration(n)*time.Microsecond)
	}
	switch f.r.IntN(30) {
	case 0, 1, 2, 3:
		return time.Time{}
	case 4: // a year of more than 4 digits, or before year 0
		return time.Date([]int{-1, 10000}[f.r.IntN(2)], 1, 1, 0, 0, 0, 0, time.UTC)
	case 5: // a zone RFC 3339 cannot write
		return time.Unix(f.r.Int64N(4e9), 0).In(time.FixedZone("", 24*3600))
	}
	return time.Unix(f.r.Int64N(4e9), f.r.Int64N(1e9)).In(zones[f.r.IntN(len(zones))])
}

// TestEveryFieldRoundTrips: an object of every stored kind with every field
// set, each to a value of its own, reads back as it was written, so every
// field is mapped both ways. (Its times are normalized already.)
func TestEveryFieldRoundTrips(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[checkout.Account](), reflect.TypeFor[checkout.APIKey](), reflect.TypeFor[checkout.Session](),
		reflect.TypeFor[checkout.Payment](), reflect.TypeFor[checkout.Event](), reflect.TypeFor[checkout.WebhookEndpoint](),
		reflect.TypeFor[checkout.Delivery](), reflect.TypeFor[checkout.File](), reflect.TypeFor[checkout.PaymentLink](),
		reflect.TypeFor[checkout.ProviderSettings](), reflect.TypeFor[checkout.Product](), reflect.TypeFor[checkout.Invoice](),
	} {
		want := (&filler{}).value(typ)
		c := codecFor(want)
		data, err := c.encode(want)
		if err != nil {
			t.Fatalf("encode %s: %v", typ, err)
		}
		got, err := c.decode(data)
		if err != nil {
			t.Fatalf("decode %s: %v", typ, err)
		}
		if path := firstDifference(reflect.ValueOf(got), reflect.ValueOf(want), typ.String()); path != "" {
			t.Errorf("%s does not read back as written: a stored form's mapping (…ToStored or …FromStored) misses the field; stored %s", path, data)
		}
	}
}

// firstDifference is the path of the first field where got and want differ,
// "" if none does.
func firstDifference(got, want reflect.Value, path string) string {
	if got.Type() == timeType || got.Kind() != want.Kind() {
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			return path
		}
		return ""
	}
	switch got.Kind() {
	case reflect.Pointer:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				return path
			}
			return ""
		}
		return firstDifference(got.Elem(), want.Elem(), path)
	case reflect.Struct:
		for i := range got.NumField() {
			if p := firstDifference(got.Field(i), want.Field(i), path+"."+got.Type().Field(i).Name); p != "" {
				return p
			}
		}
		return ""
	case reflect.Slice:
		if got.Len() == want.Len() && got.IsNil() == want.IsNil() {
			for i := range got.Len() {
				if p := firstDifference(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
					return p
				}
			}
			return ""
		}
	}
	if !reflect.DeepEqual(got.Interface(), want.Interface()) {
		return path
	}
	return ""
}

// TestSessionRoundTrip: random sessions, with awkward strings, nil and
// empty slices and maps, zero times and times in any zone with any
// nanoseconds, read back as they were written, their times normalized;
// encoding fails only for a time JSON cannot hold, and never changes its
// argument.
func TestSessionRoundTrip(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	f := &filler{r: rand.New(rand.NewPCG(1, seed))}
	var errs int
	for range 2000 {
		s := f.value(reflect.TypeFor[checkout.Session]()).(*checkout.Session)
		if checkSessionRoundTrip(t, s) != nil {
			errs++
		}
	}
	if errs == 0 {
		t.Error("no session JSON cannot hold was tried")
	}
	for _, s := range []*checkout.Session{
		{},
		{LineItems: []checkout.LineItem{}, PaymentMethodTypes: []string{}, Metadata: map[string]string{}},
		{LineItems: []checkout.LineItem{{Images: []string{}}, {}}},
		goldenObjects()["cs_golden"].(*checkout.Session),
		fullObjects()["cs_full"].(*checkout.Session),
	} {
		if err := checkSessionRoundTrip(t, s); err != nil {
			t.Errorf("encode %+v: %v", s, err)
		}
	}
}

// checkSessionRoundTrip checks s and returns the error of encoding it.
func checkSessionRoundTrip(t *testing.T, s *checkout.Session) error {
	t.Helper()
	before := s.Clone()
	data, err := EncodeSession(s)
	if !reflect.DeepEqual(s, before) {
		t.Fatalf("EncodeSession changed its argument:\n got %+v\nwant %+v", s, before)
	}

	want := s.Clone()
	for _, t := range []*time.Time{&want.Created, &want.Updated, &want.ExpiresAt, &want.AccessedAt, &want.CompletedAt, &want.ExpiredAt, &want.CanceledAt} {
		*t = UTC(*t)
	}
	var refused bool
	for _, at := range []time.Time{want.InFlightSince, want.Created, want.Updated, want.ExpiresAt, want.AccessedAt, want.CompletedAt, want.ExpiredAt, want.CanceledAt} {
		if _, err := at.MarshalJSON(); err != nil {
			refused = true
		}
	}
	if refused != (err != nil) {
		t.Fatalf("EncodeSession(%+v): error %v; want one only for a time JSON cannot hold", s, err)
	}
	if err != nil {
		return err
	}

	got, err := DecodeSession(data)
	if err != nil {
		t.Fatalf("DecodeSession(%s): %v", data, err)
	}
	if got.InFlightSince.Equal(want.InFlightSince) { // kept in its zone, which decodes as a zone of its own
		got.InFlightSince = want.InFlightSince
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read back\n got %+v\nwant %+v\nstored %s", got, want, data)
	}
	again, err := EncodeSession(got)
	if err != nil || !bytes.Equal(again, data) {
		t.Fatalf("encoding what was read back: %s, %v; want %s", again, err, data)
	}
	return nil
}

func BenchmarkEncodeSession(b *testing.B) {
	s := goldenObjects()["cs_golden"].(*checkout.Session)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeSession(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSession(b *testing.B) {
	data := []byte(golden["cs_golden"])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeSession(data); err != nil {
			b.Fatal(err)
		}
	}
}
