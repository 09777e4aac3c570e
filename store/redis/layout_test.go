package redis_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	goredis "github.com/redis/go-redis/v9"
)

// TestSessionKeyAsDocumented reads a session the way seed 000 does: with
// the default prefix, the key checkout:session:{id} holds its JSON, and
// every member of that JSON, nested ones too, is a field the README's
// "Redis layout" table documents, with the documented JSON type; every
// field documented as always there is there. It runs a redis-server of its
// own, so that the default prefix touches no shared server.
func TestSessionKeyAsDocumented(t *testing.T) {
	bin := redisServerBin(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	srv := newRedisServer(t, bin, "--save", "", "--appendonly", "no")
	srv.start(ctx)
	s := openRedis(t, ctx, srv.url()) // redis.Options{}: the default prefix
	defer s.Close()

	sess := fullSession(time.Now())
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(&goredis.Options{Addr: srv.addr()})
	defer c.Close()
	data, err := c.Get(ctx, "checkout:session:"+sess.ID).Bytes()
	if err != nil {
		t.Fatalf("GET checkout:session:%s: %v", sess.ID, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("checkout:session:%s is not a JSON object: %v\n%s", sess.ID, err, data)
	}

	fields := readmeFields(t)
	seen := map[string]bool{}
	var walk func(prefix string, obj map[string]any)
	walk = func(prefix string, obj map[string]any) {
		for name, v := range obj {
			path := prefix + name
			seen[path] = true
			typ, ok := fields[path]
			if !ok {
				t.Errorf("the stored session has %s, which README.md's Redis layout table does not document", path)
				continue
			}
			if got := jsonType(v); !strings.HasPrefix(typ, got) && !(got == "null" && strings.HasSuffix(typ, " or null")) {
				t.Errorf("%s is a JSON %s (%v); the README says %s", path, got, v, typ)
			}
			switch v := v.(type) {
			case map[string]any:
				if typ == "object" || typ == "object or null" {
					walk(path+".", v)
				}
			case []any:
				for _, e := range v {
					if o, ok := e.(map[string]any); ok {
						walk(path+"[].", o)
					}
				}
			}
		}
	}
	walk("", doc)
	for path, presence := range readmePresence(t) {
		if presence == "always" && !seen[path] {
			t.Errorf("the README says %s is always there; the stored session has none", path)
		}
	}
	if doc["FormatVersion"] != 1.0 || doc["ID"] != sess.ID || doc["AmountTotal"] != 2450.0 || doc["ExpiresAt"] != sess.ExpiresAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano) {
		t.Errorf("FormatVersion %v, ID %v, AmountTotal %v, ExpiresAt %v; want 1, %s, 2450, %s",
			doc["FormatVersion"], doc["ID"], doc["AmountTotal"], doc["ExpiresAt"], sess.ID, sess.ExpiresAt.UTC().Format(time.RFC3339Nano))
	}
}

// fullSession is a session with every field the store keeps set, so that
// every documented field appears in its JSON.
func fullSession(now time.Time) *checkout.Session {
	addr := checkout.Address{Line1: "Rua A 1", Line2: "2º", City: "Porto", State: "Porto", PostalCode: "4000-123", Country: "PT"}
	return &checkout.Session{
		ID: "cs_" + checkout.RandomString(24), AccountID: "org_demo", Mode: checkout.ModePayment,
		Status: checkout.SessionOpen, PaymentStatus: checkout.PaymentUnpaid, Currency: "eur",
		AmountSubtotal: 2500, AmountDiscount: 100, AmountTax: 50, AmountTotal: 2450,
		LineItems: []checkout.LineItem{{ID: "li_1", Name: "Pastel de nata", Description: "with cinnamon", Images: []string{"https://img.example/nata.png"},
			Quantity: 5, UnitAmount: 500, Currency: "eur", AmountSubtotal: 2500, AmountDiscount: 100, AmountTax: 50, AmountTotal: 2450}},
		SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/cancel",
		Customer: "cus_1", CustomerEmail: "maria@example.com", CustomerPhone: "+351912345678", ClientReferenceID: "ord_abc123",
		Locale: "pt", Description: "Order 42", PaymentMethodTypes: []string{"card", "multibanco"}, Metadata: map[string]string{"order": "42"},
		CustomerEmailLocked: true, Payment: "pay_1", PublicToken: "pub_1", CSRFToken: "csrf_1",
		PaymentInFlight: "pay_1", InFlightSince: now, FailedAttempts: 1, EventSeq: 2,
		Created: now, Updated: now, ExpiresAt: now.Add(30 * time.Minute), AccessedAt: now, CompletedAt: now, ExpiredAt: now,
		ShippingCountries: []string{"PT"}, BillingAddressCollection: checkout.BillingRequired, PhoneNumberCollection: true,
		CustomFields: []checkout.CustomField{{Key: "size", Label: "Size", Type: checkout.CustomFieldDropdown, Optional: true,
			Options: []checkout.CustomFieldOption{{Label: "Small", Value: "s"}}, MinLength: 1, MaxLength: 9, Value: "s"}},
		TermsOfServiceConsent: checkout.ConsentRequired,
		CustomText:            checkout.CustomText{Submit: "a", ShippingAddress: "b", TermsOfServiceAcceptance: "c", AfterSubmit: "d"},
		SubmitType:            checkout.SubmitBook,
		CustomerDetails:       &checkout.CustomerDetails{Name: "Maria Silva", Phone: "+351912345678", Address: &addr},
		ShippingDetails:       &checkout.ShippingDetails{Name: "Maria Silva", Address: addr},
		TermsAccepted:         true,
		Discounts: []checkout.Discount{{Coupon: "THIRD", PromotionCode: "promo_1", Amount: 100, Name: "A third", PercentOff: 3333,
			AmountOff: 100, Currency: "eur", Code: "SPRING"}},
		AllowPromotionCodes: true,
		SupportedTokens:     []checkout.TokenChain{{Chain: "base", Token: "USDC"}},
		Chain:               "base", SelectedToken: "USDC", ExchangeRate: "1.0842",
		CanceledAt: now, ReturnURL: "https://shop.example/back",
	}
}

// jsonType names the JSON type of a decoded value as the README's table
// starts its types.
func jsonType(v any) string {
	switch v := v.(type) {
	case string:
		return "string" // a time is a string too; see below
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

var readmeRow = regexp.MustCompile("(?m)^\\| `([^`]+)` \\| ([^|]+?) \\| ([^|]+?) \\| [^|]+ \\|$")

// readmeRows are the rows of the README's Redis layout table.
func readmeRows(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Redis layout\n")
	if !ok {
		t.Fatal(`README.md has no "## Redis layout" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := readmeRow.FindAllStringSubmatch(section, -1)
	if len(rows) == 0 {
		t.Fatal("README.md's Redis layout section has no table rows")
	}
	return rows
}

// readmeFields is the documented JSON type of each path; a time is
// documented as "time", which JSON carries as a string.
func readmeFields(t *testing.T) map[string]string {
	m := map[string]string{}
	for _, r := range readmeRows(t) {
		m[r[1]] = strings.Replace(r[2], "time", "string", 1)
	}
	return m
}

// readmePresence is whether each path is documented as always there, or
// omitted when empty; a nested path only within its parent.
func readmePresence(t *testing.T) map[string]string {
	m := map[string]string{}
	for _, r := range readmeRows(t) {
		m[r[1]] = r[3]
	}
	return m
}
