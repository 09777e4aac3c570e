package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The steps of the payment flow, in order.
const (
	stepCreate = iota
	stepPage
	stepPay
	nSteps
)

var stepNames = [nSteps]string{"create", "page", "pay"}

// flowSuccessURL is the success_url the flow's sessions are made with; the
// server puts the session id in place of the placeholder.
const flowSuccessURL = "https://shop.example.com/success?session_id={CHECKOUT_SESSION_ID}"

// flowResult is what the payment flow measured: whole flows (ok is flows
// that ended in the expected redirect, lat is every counted flow's time,
// ok or not) and each step's own requests (a step after a failed one is not
// made). client is the time between steps: reading the create answer,
// inflating and parsing the page, building the form.
type flowResult struct {
	flow   *result
	steps  [nSteps]*result
	client time.Duration // summed over the counted flows
}

// flowWorker is one worker's state and share of the flow's numbers.
type flowWorker struct {
	flow   workerStats
	steps  [nSteps]workerStats
	client time.Duration
	buf    bytes.Buffer
	zr     gzip.Reader
}

// runFlow runs the hosted payment flow closed-loop: each worker creates a
// session through the API, loads its page as a browser does (gzip), takes the
// card form's csrf_token and action, posts the test card 4242 4242 4242 4242
// and requires a 303 to the session's success_url; then starts again.
func runFlow(ctx context.Context, base string, auth http.Header, conns int, warmup, duration time.Duration) (*flowResult, error) {
	ws := make([]flowWorker, conns)
	for w := range ws {
		ws[w].flow = newWorkerStats()
		for k := range ws[w].steps {
			ws[w].steps[k] = newWorkerStats()
		}
	}
	var n atomic.Int64
	elapsed, err := drive(ctx, conns, warmup, duration, func(client *http.Client, w, i int, t0 time.Time, counted bool) bool {
		fw := &ws[w]
		steps, status, err := flowOnce(ctx, client, fw, base, auth, "flow-"+strconv.FormatInt(n.Add(1), 10))
		d := time.Since(t0)
		if len(steps) == 0 { // could not build a request: nothing will work
			fw.flow.transport++
			fw.flow.sample("building the request: " + err.Error())
			return false
		}
		if !counted || ctx.Err() != nil {
			return true
		}
		var inSteps time.Duration
		for k, s := range steps {
			inSteps += s.d
			st := &fw.steps[k]
			switch {
			case s.transport:
				st.transport++
				st.lat = append(st.lat, s.d)
				st.sample(err.Error())
			case s.err != nil:
				st.fail(s.status, s.d, s.err.Error())
			default:
				st.ok++
				st.bytes += int64(s.bytes)
				st.lat = append(st.lat, s.d)
			}
		}
		fw.client += d - inSteps
		f := &fw.flow
		switch {
		case err == nil:
			f.ok++
			f.lat = append(f.lat, d)
		case steps[len(steps)-1].transport:
			f.transport++
			f.lat = append(f.lat, d)
			f.sample(err.Error())
		default:
			f.fail(status, d, err.Error())
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	fr := &flowResult{}
	flows := make([]workerStats, conns)
	for w := range ws {
		flows[w] = ws[w].flow
		fr.client += ws[w].client
	}
	fr.flow = merge("payment flow", elapsed, flows)
	for k := range nSteps {
		st := make([]workerStats, conns)
		for w := range ws {
			st[w] = ws[w].steps[k]
		}
		fr.steps[k] = merge("payment flow, "+stepNames[k], elapsed, st)
	}
	return fr, nil
}

// stepOutcome is one request of a flow.
type stepOutcome struct {
	d         time.Duration
	status    int
	bytes     int
	transport bool  // no answer at all
	err       error // nil: the expected answer
}

// flowOnce makes one flow. It returns the steps it made (it stops at the
// first that fails) and, if one failed, that step's status and why.
func flowOnce(ctx context.Context, client *http.Client, fw *flowWorker, base string, auth http.Header, order string) ([]stepOutcome, int, error) {
	steps := make([]stepOutcome, 0, nSteps)
	// do makes one step's request and reads its answer into fw.buf; check
	// says whether the answer is the expected one.
	do := func(req *http.Request, check func(*http.Response) error) (*http.Response, error) {
		k := len(steps)
		t := time.Now()
		resp, err := client.Do(req)
		if err == nil {
			fw.buf.Reset()
			_, err = fw.buf.ReadFrom(resp.Body)
			resp.Body.Close()
		}
		s := stepOutcome{d: time.Since(t)}
		if err != nil {
			s.transport, s.err = true, err
		} else {
			s.status, s.bytes = resp.StatusCode, fw.buf.Len()
			s.err = check(resp)
		}
		steps = append(steps, s)
		if s.err != nil {
			return nil, fmt.Errorf("%s: %w", stepNames[k], s.err)
		}
		return resp, nil
	}
	failed := func(err error) ([]stepOutcome, int, error) { return steps, steps[len(steps)-1].status, err }

	// 1. The merchant creates the session.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/checkout/sessions", strings.NewReader(
		`{"amount":5000,"currency":"GHS","success_url":"`+flowSuccessURL+`","cancel_url":"https://shop.example.com/cart",`+
			`"metadata":{"order_id":"`+order+`"}}`))
	if err != nil {
		return nil, 0, err
	}
	req.Header["Authorization"] = auth["Authorization"]
	req.Header.Set("Content-Type", "application/json")
	var sess struct {
		ID, Object, URL string
	}
	if _, err := do(req, func(resp *http.Response) error {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return statusErr(resp, fw.buf.Bytes())
		}
		if err := json.Unmarshal(fw.buf.Bytes(), &sess); err != nil || sess.Object != "checkout.session" || sess.ID == "" {
			return fmt.Errorf("%d but not a session: %s", resp.StatusCode, clip(fw.buf.Bytes(), 160))
		}
		if !strings.HasPrefix(sess.URL, base+"/") {
			return fmt.Errorf("%d but the session's url %q is not on %s", resp.StatusCode, sess.URL, base)
		}
		return nil
	}); err != nil {
		return failed(err)
	}

	// 2. The customer's browser loads its page, gzip accepted.
	pageURL, err := url.Parse(sess.URL)
	if err != nil {
		return nil, 0, err
	}
	if req, err = http.NewRequestWithContext(ctx, http.MethodGet, sess.URL, nil); err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	var action, csrf string
	if _, err := do(req, func(resp *http.Response) error {
		if resp.StatusCode != http.StatusOK {
			return statusErr(resp, fw.buf.Bytes())
		}
		if err := isGzipPage(resp, fw.buf.Bytes()); err != nil {
			return fmt.Errorf("%d but %w", resp.StatusCode, err)
		}
		return nil
	}); err != nil {
		return failed(err)
	}
	page, err := inflate(&fw.zr, fw.buf.Bytes())
	if err == nil {
		action, csrf, err = cardForm(page, pageURL)
	}
	if err != nil {
		steps[stepPage].err = err // the answer had the right headers but is not the page
		return failed(fmt.Errorf("page: %w", err))
	}

	// 3. It posts the card form with the test card that succeeds.
	form := url.Values{
		"csrf_token":  {csrf},
		"method":      {"card"},
		"email":       {"buyer+" + order + "@example.com"},
		"card_number": {"4242424242424242"},
		"card_expiry": {"12/34"},
		"card_cvc":    {"123"},
	}
	if req, err = http.NewRequestWithContext(ctx, http.MethodPost, action, strings.NewReader(form.Encode())); err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	want := strings.ReplaceAll(flowSuccessURL, "{CHECKOUT_SESSION_ID}", sess.ID)
	if _, err := do(req, func(resp *http.Response) error {
		if resp.StatusCode != http.StatusSeeOther {
			return statusErr(resp, fw.buf.Bytes())
		}
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, want) {
			return fmt.Errorf("303 to %q, want %q", loc, want)
		}
		return nil
	}); err != nil {
		return failed(err)
	}
	return steps, 0, nil
}

// statusErr describes an answer with a status the step did not expect: its
// redirect, or for a page its alert or heading, or the start of its body.
func statusErr(resp *http.Response, body []byte) error {
	if loc := resp.Header.Get("Location"); loc != "" {
		return fmt.Errorf("%d to %s", resp.StatusCode, loc)
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		var zr gzip.Reader
		if b, err := inflate(&zr, body); err == nil {
			body = b
		}
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		if t := pageMessage(body); t != "" {
			return fmt.Errorf("%d page: %s", resp.StatusCode, clip([]byte(t), 160))
		}
	}
	if len(body) == 0 {
		return errors.New(strconv.Itoa(resp.StatusCode))
	}
	return fmt.Errorf("%d %s", resp.StatusCode, clip(body, 160))
}
