// Package easypaytest is a local stand-in for Easypay's Payments API 2.0,
// for tests: checkoutd cannot reach Easypay's sandbox from CI, so this
// server answers the two calls checkoutd makes (create a Multibanco single
// payment, read it back) as Easypay documents them, and refuses anything
// checkoutd sends that Easypay would refuse, or that checkoutd must never
// send (a create without an Idempotency-Key). It keeps payments in memory.
//
// What it follows (the published OpenAPI description of API 2.0,
// https://docs.easypay.pt/_bundle/openapi.json, also at
// https://api.prod.easypay.pt/docs):
//   - authentication: headers AccountId and ApiKey; missing or wrong ones
//     answer 403 {"status":"error","message":["Authentication failed"]};
//   - POST /2.0/single (operation single-post): 201 with
//     {"status":"ok","message":[…],"id","method":{"type":"mb","status":"pending","entity","reference"},"customer":{"id"},"capture":{"id"}};
//     400 {"status":"error","message":[…]} for a bad field;
//   - GET /2.0/single/{id} (single-id-get): 200 with the Single object
//     (payment_status pending | paid | failed | deleted …, paid_at, value,
//     key, method, expiration_time) and, once paid, its transactions with
//     values.paid (SinglePaymentWithTransactionsResponse of the API 2.0
//     description); 404 for an id the account does not have;
//   - Idempotency-Key (at most 50 characters): a repeated key with the same
//     body answers the first answer again with Idempotency-Replay: true, a
//     repeated key with another body is an error; keys are per AccountId;
//   - the generic notification Easypay POSTs
//     (https://docs.easypay.pt/docs/guides/webhooks):
//     {"id","key","type","status","messages","date"}.
package easypaytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"sync"
	"testing"
	"time"
)

// Entity is the Multibanco entity of every reference the stand-in issues
// (the one in Easypay's own examples).
const Entity = "11683"

// Payment is a single payment as the stand-in keeps it.
type Payment struct {
	ID, AccountID string
	Key           string
	Value         float64
	Currency      string
	Reference     string
	Descriptive   string
	Expiration    time.Time
	CustomerName  string
	CustomerEmail string
	// Status is Easypay's payment_status: pending, paid, failed, deleted.
	Status string
	PaidAt time.Time
	// Paid is what the customer paid, in euros (Multibanco lets a customer
	// pay another amount than the one requested).
	Paid float64
}

// Server is the stand-in. Its zero value is not usable: call New.
type Server struct {
	srv *httptest.Server
	tb  testing.TB

	mu       sync.Mutex
	accounts map[string]string // AccountId → ApiKey
	payments map[string]*Payment
	replies  map[string]reply // AccountId + Idempotency-Key → first answer
	refs     int
	creates  int // POSTs that made a payment
	requests int // every request that reached the handler
	slow     []time.Duration
	failNext []int
}

type reply struct {
	body   []byte
	status int
	answer []byte
}

// New starts a stand-in on 127.0.0.1, stopped when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{tb: tb, accounts: map[string]string{}, payments: map[string]*Payment{}, replies: map[string]reply{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2.0/single", s.create)
	mux.HandleFunc("GET /2.0/single/{id}", s.get)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the API's base, what --easypay-api-url takes.
func (s *Server) URL() string { return s.srv.URL + "/2.0" }

// NewAccount opens an Easypay account and returns its AccountId and ApiKey.
func (s *Server) NewAccount() (accountID, apiKey string) {
	accountID, apiKey = uuid(), uuid()
	s.mu.Lock()
	s.accounts[accountID] = apiKey
	s.mu.Unlock()
	return accountID, apiKey
}

// Slow makes the next len(delays) answers wait that long after the
// request was carried out (the payment made), as a gateway whose answer is
// lost to the client's timeout; a wait ends early when the client hangs up.
func (s *Server) Slow(delays ...time.Duration) {
	s.mu.Lock()
	s.slow = append(s.slow, delays...)
	s.mu.Unlock()
}

// FailNext makes the next len(statuses) requests answer these statuses
// (502, 503 …) before doing anything, as Easypay's transient errors.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	s.failNext = append(s.failNext, statuses...)
	s.mu.Unlock()
}

// Creates is how many payments were made.
func (s *Server) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// Requests is how many requests reached the server.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Payment returns a copy of payment id.
func (s *Server) Payment(id string) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[id]
	if !ok {
		return Payment{}, false
	}
	return *p, true
}

// Has reports whether a payment matches.
func (s *Server) Has(match func(Payment) bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.payments {
		if match(*p) {
			return true
		}
	}
	return false
}

// MarkPaid records that the customer paid payment id at an ATM and returns
// the generic notification Easypay would POST about it.
func (s *Server) MarkPaid(id string) []byte {
	return s.setStatus(id, "paid", "capture", "success")
}

// MarkPaidAmount is MarkPaid for a customer who paid euros rather than the
// amount requested.
func (s *Server) MarkPaidAmount(id string, euros float64) []byte {
	b := s.setStatus(id, "paid", "capture", "success")
	s.mu.Lock()
	s.payments[id].Paid = euros
	s.mu.Unlock()
	return b
}

// MarkFailed records that payment id ended unpaid (its reference lapsed)
// and returns the generic notification Easypay would POST about it.
func (s *Server) MarkFailed(id string) []byte {
	return s.setStatus(id, "failed", "capture", "failed")
}

// MarkDeleted records that payment id was deleted (its reference
// cancelled) and returns the notification Easypay would POST about it.
func (s *Server) MarkDeleted(id string) []byte {
	return s.setStatus(id, "deleted", "void", "success")
}

func (s *Server) setStatus(id, status, typ, outcome string) []byte {
	s.mu.Lock()
	p, ok := s.payments[id]
	if !ok {
		s.mu.Unlock()
		s.tb.Fatalf("easypaytest: no payment %s", id)
	}
	p.Status = status
	if status == "paid" {
		p.PaidAt, p.Paid = time.Now(), p.Value
	}
	key := p.Key
	s.mu.Unlock()
	return Notification(id, key, typ, outcome)
}

// Notification is a generic notification body as Easypay POSTs it; tests
// use it to forge one too.
func Notification(id, key, typ, status string) []byte {
	b, _ := json.Marshal(map[string]any{"id": id, "key": key, "type": typ, "status": status,
		"messages": []string{"Your request was successfully captured"}, "date": time.Now().UTC().Format("2006-01-02 15:04:05")})
	return b
}

// createRequest is single_post_request, limited to what a Multibanco sale
// takes. Unknown fields are refused: checkoutd must send only Easypay's.
type createRequest struct {
	Type     string          `json:"type"`
	Method   string          `json:"method"`
	Value    json.Number     `json:"value"`
	Currency string          `json:"currency"`
	Key      string          `json:"key"`
	Capture  *createCapture  `json:"capture"`
	MB       *createMB       `json:"multibanco"`
	Customer *createCustomer `json:"customer"`
}

type createCapture struct {
	Descriptive    string `json:"descriptive"`
	TransactionKey string `json:"transaction_key"`
}

type createMB struct {
	ExpirationTime string `json:"expiration_time"`
}

type createCustomer struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// begin counts the request and applies FailNext and authentication; it
// returns the account, or "" when it answered already.
func (s *Server) begin(w http.ResponseWriter, r *http.Request) string {
	s.mu.Lock()
	s.requests++
	if len(s.failNext) > 0 {
		status := s.failNext[0]
		s.failNext = s.failNext[1:]
		s.mu.Unlock()
		w.Header().Set("X-Easypay-Should-Retry", "true")
		writeError(w, status, "Service temporarily unavailable")
		return ""
	}
	acct := r.Header.Get("AccountId")
	key, ok := s.accounts[acct]
	s.mu.Unlock()
	// One value each: a header sent twice is not what Easypay documents.
	if !ok || len(r.Header.Values("AccountId")) != 1 || len(r.Header.Values("ApiKey")) != 1 || r.Header.Get("ApiKey") != key {
		writeError(w, http.StatusForbidden, "Authentication failed")
		return ""
	}
	return acct
}

// wait applies Slow to an answer about to be written.
func (s *Server) wait(ctx context.Context) {
	s.mu.Lock()
	var d time.Duration
	if len(s.slow) > 0 {
		d, s.slow = s.slow[0], s.slow[1:]
	}
	s.mu.Unlock()
	if d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	acct := s.begin(w, r)
	if acct == "" {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid content type %q", ct))
		return
	}
	// Easypay takes a create without a key; checkoutd must never send one,
	// so the stand-in refuses it (a test then fails).
	idem := r.Header.Get("Idempotency-Key")
	if idem == "" || len(idem) > 50 || len(r.Header.Values("Idempotency-Key")) != 1 {
		writeError(w, http.StatusBadRequest, "Idempotency-Key must be one value of 1 to 50 characters (checkoutd always sends one)")
		return
	}
	body := new(bytes.Buffer)
	if _, err := body.ReadFrom(http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON")
		return
	}
	s.mu.Lock()
	prev, replay := s.replies[acct+"\x00"+idem]
	s.mu.Unlock()
	if replay {
		if !bytes.Equal(prev.body, body.Bytes()) {
			writeError(w, http.StatusBadRequest, "The Idempotency-Key was used with another request body")
			return
		}
		s.wait(r.Context())
		w.Header().Set("Idempotency-Replay", "true")
		writeRaw(w, prev.status, prev.answer)
		return
	}
	var req createRequest
	dec := json.NewDecoder(bytes.NewReader(body.Bytes()))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON: "+err.Error())
		return
	}
	value, exp, msg := checkCreate(&req)
	if msg != "" {
		// Only answers of requests that started are stored (Easypay's
		// idempotency note): a refused body may be corrected and resent.
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	s.mu.Lock()
	s.refs++
	p := &Payment{ID: uuid(), AccountID: acct, Key: req.Key, Value: value, Currency: req.Currency,
		Reference: fmt.Sprintf("%09d", 663000000+s.refs), Descriptive: req.Capture.Descriptive, Expiration: exp, Status: "pending"}
	if req.Customer != nil {
		p.CustomerName, p.CustomerEmail = req.Customer.Name, req.Customer.Email
	}
	s.payments[p.ID] = p
	s.creates++
	answer, _ := json.Marshal(map[string]any{
		"status": "ok", "message": []string{"Your request was successfully created"}, "id": p.ID,
		"method":   map[string]any{"type": "mb", "status": "pending", "entity": Entity, "reference": p.Reference},
		"customer": map[string]any{"id": uuid()}, "capture": map[string]any{"id": uuid()},
	})
	s.replies[acct+"\x00"+idem] = reply{body: body.Bytes(), status: http.StatusCreated, answer: answer}
	s.mu.Unlock()
	s.wait(r.Context())
	writeRaw(w, http.StatusCreated, answer)
}

// checkCreate checks a Multibanco sale as Easypay's schema does (and the
// fields checkoutd promises to send); msg names the first bad field.
func checkCreate(req *createRequest) (value float64, exp time.Time, msg string) {
	switch {
	case req.Method != "mb":
		return 0, exp, "The field method must be mb"
	case req.Type != "sale":
		return 0, exp, "The field type must be sale"
	case req.Currency != "EUR":
		return 0, exp, "The field currency must be EUR"
	case req.Key == "" || len(req.Key) > 255:
		return 0, exp, "The field key is required (at most 255 characters)"
	case req.Capture == nil || req.Capture.Descriptive == "" || len(req.Capture.Descriptive) > 255:
		return 0, exp, "The field capture.descriptive is required (at most 255 characters)"
	case req.MB == nil:
		return 0, exp, "The field multibanco.expiration_time is required"
	}
	v, err := req.Value.Float64()
	if err != nil || v < 0.5 || math.Abs(v*100-math.Round(v*100)) > 1e-6 {
		return 0, exp, "The field value must be a number of euros, at least 0.5, with at most two decimals"
	}
	exp, err = time.Parse(time.RFC3339, req.MB.ExpirationTime)
	if err != nil || !exp.After(time.Now()) {
		return 0, exp, "The field multibanco.expiration_time must be an RFC 3339 time in the future"
	}
	if c := req.Customer; c != nil {
		if c.Name == "" && c.Email == "" {
			return 0, exp, "The field customer must not be empty"
		}
		if len(c.Name) > 255 {
			return 0, exp, "The field customer.name must be at most 255 characters"
		}
		if c.Email != "" {
			if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || len(c.Email) > 255 {
				return 0, exp, "The field customer.email must be an email address"
			}
		}
	}
	return v, exp, ""
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	acct := s.begin(w, r)
	if acct == "" {
		return
	}
	if r.Header.Get("Idempotency-Key") != "" {
		// Easypay: "It is unnecessary and should be avoided to supply
		// idempotency keys in GET and DELETE requests".
		writeError(w, http.StatusBadRequest, "Idempotency-Key is not for GET requests")
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	p, ok := s.payments[id]
	var answer []byte
	if ok && p.AccountID == acct {
		single := map[string]any{
			"id": p.ID, "key": p.Key, "type": "sale", "value": p.Value, "currency": p.Currency,
			"descriptive": p.Descriptive, "payment_status": p.Status,
			"expiration_time": p.Expiration.UTC().Format("2006-01-02 15:04:05"),
			"created_at":      time.Now().UTC().Format("2006-01-02 15:04:05"),
			"method":          map[string]any{"type": "mb", "status": methodStatus(p.Status), "entity": Entity, "reference": p.Reference},
		}
		if !p.PaidAt.IsZero() {
			paidAt := p.PaidAt.UTC().Format("2006-01-02 15:04:05")
			single["paid_at"] = paidAt
			// The capture, as GET /single/{id} lists its transactions
			// (SinglePaymentWithTransactionsResponse).
			single["transactions"] = []map[string]any{{"id": uuid(), "key": p.Key, "date": paidAt,
				"values": map[string]any{"requested": p.Value, "paid": p.Paid, "fixed_fee": 0, "variable_fee": 0, "tax": 0, "transfer": p.Paid}}}
		}
		answer, _ = json.Marshal(single)
	}
	s.mu.Unlock()
	if answer == nil {
		// Another account's payment is as unknown as one never made.
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	s.wait(r.Context())
	writeRaw(w, http.StatusOK, answer)
}

func methodStatus(paymentStatus string) string {
	switch paymentStatus {
	case "paid":
		return "success"
	case "pending":
		return "pending"
	}
	return "failed"
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]any{"status": "error", "message": []string{msg}})
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// uuid returns a random version 4 UUID, as Easypay's ids are.
func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
