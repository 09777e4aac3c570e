// Package ifthenpaytest is a local stand-in for Ifthenpay's Multibanco API,
// for tests: checkoutd must never send traffic to the real host. It answers
// as the published API documents ("API - Request Multibanco references",
// https://helpdesk.ifthenpay.com/en/support/solutions/articles/79000128866-api-request-multibanco-references):
// POST {base}/multibanco/reference/init (production) or
// {base}/multibanco/reference/sandbox with a JSON body of mbKey (mandatory),
// orderId (mandatory, ≤ 25 characters), amount (mandatory, "1234.56"),
// optional description, url, client* fields (≤ 200 characters) and
// expiryDays (0–31, 45, 60, 90, 120, 180, 365 or 730), answered with
// {"Amount", "Entity", "ExpiryDate" (dd-mm-yyyy), "Message", "OrderId",
// "Reference", "RequestId", "Status": "0"}. Anything else we send (another
// method, a missing or unknown field, a malformed value, a key it does not
// know) is refused with a non-zero Status and a Message, and recorded as a
// Problem so a test fails on it. It also writes the callback Ifthenpay
// would send when a reference is paid
// (https://ifthenpay.com/docs/en/guides/callback).
package ifthenpaytest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Entity is the entity of the references the stand-in issues.
const Entity = "11604"

// Reference is one the stand-in issued.
type Reference struct {
	Sandbox    bool
	MBKey      string
	OrderID    string
	Amount     string
	ExpiryDays *int
	Entity     string
	Reference  string
	RequestID  string
	ExpiryDate string
}

// Server is the stand-in. Its fields may be set before requests arrive.
type Server struct {
	URL string
	// Delay holds every answer this long (a gateway that is slow).
	Delay time.Duration
	// Now is the stand-in's clock, for ExpiryDate.
	Now func() time.Time

	srv *httptest.Server

	mu       sync.Mutex
	keys     map[string]bool
	refs     []Reference
	problems []string
	calls    int
}

// New starts a stand-in on 127.0.0.1 that knows the MB keys given, stopped
// when t ends.
func New(t testing.TB, mbKeys ...string) *Server {
	s := &Server{keys: map[string]bool{}, Now: time.Now}
	for _, k := range mbKeys {
		s.keys[k] = true
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// References are the references issued so far, oldest first.
func (s *Server) References() []Reference {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refs)
}

// Calls is how many requests reached the stand-in.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Problems are what was wrong with the requests received: a test that
// expects well-formed requests fails when there are any.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.problems)
}

// Callback is the query Ifthenpay sends to the account's callback URL when
// reference r is paid, with the anti-phishing key the account registered,
// in its documented template: key, orderId, amount, requestId, entity,
// reference, payment_datetime.
func Callback(antiPhishingKey string, r Reference, paidAt time.Time) url.Values {
	return url.Values{"key": {antiPhishingKey}, "orderId": {r.OrderID}, "amount": {r.Amount}, "requestId": {r.RequestID},
		"entity": {r.Entity}, "reference": {r.Reference}, "payment_datetime": {paidAt.Format("02-01-2006 15:04:05")}}
}

// OfflineCallback is the callback of a reference computed offline (no
// request id, no order id), in Ifthenpay's older template that accounts
// with an entity and sub-entity use: chave, entidade, referencia, valor,
// datahorapag, terminal.
func OfflineCallback(antiPhishingKey, entity, reference, amount string, paidAt time.Time) url.Values {
	return url.Values{"chave": {antiPhishingKey}, "entidade": {entity}, "referencia": {reference}, "valor": {amount},
		"datahorapag": {paidAt.Format("02-01-2006 15:04:05")}, "terminal": {"Online"}}
}

var (
	amountRE = regexp.MustCompile(`^[0-9]{1,5}\.[0-9]{2}$`)
	// optional fields, each at most 200 characters
	optional   = []string{"description", "url", "clientCode", "clientName", "clientEmail", "clientUsername", "clientPhone"}
	expiryDays = []int{45, 60, 90, 120, 180, 365, 730}
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	if s.Delay > 0 {
		select {
		case <-time.After(s.Delay):
		case <-r.Context().Done():
			return
		}
	}
	var sandbox bool
	switch r.URL.Path {
	case "/multibanco/reference/init":
	case "/multibanco/reference/sandbox":
		sandbox = true
	default:
		s.refuse(w, http.StatusNotFound, "no such endpoint "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		s.refuse(w, http.StatusMethodNotAllowed, "the API takes POST, not "+r.Method)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.refuse(w, http.StatusBadRequest, "Content-Type is "+ct+", not application/json")
		return
	}
	var body map[string]json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(&body); err != nil {
		s.refuse(w, http.StatusBadRequest, "the body is not a JSON object: "+err.Error())
		return
	}
	str := func(name string) (string, bool) {
		raw, ok := body[name]
		if !ok {
			return "", false
		}
		var v string
		if json.Unmarshal(raw, &v) != nil {
			s.problem(name + " is not a string")
			return "", false
		}
		return v, true
	}
	for name := range body {
		if !slices.Contains(append([]string{"mbKey", "orderId", "amount", "expiryDays"}, optional...), name) {
			s.answerError(w, "unknown field "+name)
			return
		}
	}
	ref := Reference{Sandbox: sandbox}
	var ok bool
	if ref.MBKey, ok = str("mbKey"); !ok || !s.knows(ref.MBKey) {
		s.answerError(w, "invalid mbKey")
		return
	}
	if ref.OrderID, ok = str("orderId"); !ok || ref.OrderID == "" || len(ref.OrderID) > 25 {
		s.answerError(w, "orderId is mandatory, at most 25 characters")
		return
	}
	if ref.Amount, ok = str("amount"); !ok || !amountRE.MatchString(ref.Amount) || ref.Amount == "0.00" {
		s.answerError(w, "amount is mandatory, with \".\" as the decimal separator (1234.56)")
		return
	}
	for _, name := range optional {
		if v, ok := str(name); ok && len(v) > 200 {
			s.answerError(w, name+" is longer than 200 characters")
			return
		}
	}
	if raw, present := body["expiryDays"]; present {
		var d int
		if err := json.Unmarshal(raw, &d); err != nil || d < 0 || (d > 31 && !slices.Contains(expiryDays, d)) {
			s.answerError(w, "expiryDays "+string(raw)+" is not an accepted value")
			return
		}
		ref.ExpiryDays = &d
		ref.ExpiryDate = s.Now().AddDate(0, 0, d).Format("02-01-2006")
	}
	ref.Entity = Entity
	ref.Reference = s.newReference()
	ref.RequestID = randomID()
	s.mu.Lock()
	s.refs = append(s.refs, ref)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"Amount": ref.Amount, "Entity": ref.Entity, "ExpiryDate": ref.ExpiryDate,
		"Message": "Success", "OrderId": ref.OrderID, "Reference": ref.Reference, "RequestId": ref.RequestID, "Status": "0"})
}

func (s *Server) knows(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[key]
}

// newReference draws a 9-digit reference not issued before.
func (s *Server) newReference() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
		r := fmt.Sprintf("%09d", n.Int64())
		if !slices.ContainsFunc(s.refs, func(x Reference) bool { return x.Reference == r }) {
			return r
		}
	}
}

func randomID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func (s *Server) problem(p string) {
	s.mu.Lock()
	s.problems = append(s.problems, p)
	s.mu.Unlock()
}

// answerError is the API's refusal of a request it could read: HTTP 200,
// a non-zero Status and a Message (only Status "0" is success).
func (s *Server) answerError(w http.ResponseWriter, msg string) {
	s.problem(msg)
	writeJSON(w, http.StatusOK, map[string]string{"Status": "999", "Message": msg})
}

func (s *Server) refuse(w http.ResponseWriter, code int, msg string) {
	s.problem(msg)
	http.Error(w, msg, code)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}
