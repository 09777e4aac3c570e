package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/checkoutd/checkoutd/webhook"
)

// A merchant's webhook endpoint: read the raw body, verify, then act on the
// event. The second half feeds it requests the way the merchant's own tests
// would, with GenerateTestSignedPayload.
func Example_handler() {
	// In production, load the endpoint's secret from configuration.
	secret := webhook.NewSecret()

	handler := func(w http.ResponseWriter, r *http.Request) {
		// Verify the bytes exactly as received; cap them so an
		// unauthenticated client cannot make us buffer without limit.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		event, err := webhook.ConstructEvent(body, r.Header.Get(webhook.HeaderCheckoutSignature), secret)
		if err != nil {
			// 4xx: checkoutd will retry, and a misconfigured secret
			// shows up in its delivery log.
			http.Error(w, "invalid signature", http.StatusBadRequest)
			switch {
			case errors.Is(err, webhook.ErrTooOld):
				fmt.Println("rejected: stale or replayed")
			case errors.Is(err, webhook.ErrNoValidSignature):
				fmt.Println("rejected: bad signature")
			default: // not signed, malformed header, bad secret
				fmt.Println("rejected:", err)
			}
			return
		}
		// Retries carry the same event.ID: record it and skip
		// duplicates before doing anything irreversible.
		switch event.Type {
		case "checkout.session.completed":
			var session struct {
				ID            string `json:"id"`
				PaymentStatus string `json:"payment_status"`
			}
			if err := json.Unmarshal(event.Data.Object, &session); err != nil {
				http.Error(w, "bad session", http.StatusBadRequest)
				return
			}
			fmt.Println("fulfil", session.ID, session.PaymentStatus)
		default:
			// Acknowledge types we do not handle, or checkoutd
			// keeps retrying them.
		}
		w.WriteHeader(http.StatusNoContent)
	}

	payload := []byte(`{"id":"evt_123","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_test_1","payment_status":"paid"}}}`)
	send := func(sp webhook.SignedPayload, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/checkoutd", bytes.NewReader(body))
		req.Header = sp.Headers.Clone()
		rec := httptest.NewRecorder()
		handler(rec, req)
		fmt.Println(rec.Code)
	}

	sp, err := webhook.GenerateTestSignedPayload(payload, secret, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	send(sp, sp.Payload)                                                // genuine
	send(sp, bytes.Replace(payload, []byte("paid"), []byte("free"), 1)) // tampered

	stale, _ := webhook.GenerateTestSignedPayload(payload, secret, time.Now().Add(-time.Hour))
	send(stale, stale.Payload) // replayed an hour later

	send(webhook.SignedPayload{}, payload) // no signature headers at all

	// Output:
	// fulfil cs_test_1 paid
	// 204
	// rejected: bad signature
	// 400
	// rejected: stale or replayed
	// 400
	// rejected: webhook: request is not signed
	// 400
}

// Verifying the Standard Webhooks headers instead of Checkout-Signature.
func ExampleVerifyStandard() {
	// The Standard Webhooks specification's published test vector.
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

	// A receiver uses webhook.VerifyStandard(body, r.Header, secret, 0);
	// this fixture is from 2021, so the clock is pinned to its timestamp.
	v := webhook.Verifier{Now: func() time.Time { return time.Unix(1614265330, 0) }}
	fmt.Println(v.VerifyStandard(body, h, secret))
	fmt.Println(webhook.VerifyStandard(body, h, secret, 0) != nil)
	// Output:
	// <nil>
	// true
}

// What checkoutd sends with every delivery, signed with the new and the old
// secret while a rotation overlaps.
func ExampleSign() {
	oldSecret, newSecret := webhook.NewSecret(), webhook.NewSecret()
	body := []byte(`{"id":"evt_1","object":"event"}`)
	h, err := webhook.Sign("evt_1", time.Now(), body, newSecret, oldSecret)
	if err != nil {
		log.Fatal(err)
	}
	// A receiver that has not switched to the new secret yet still verifies.
	_, err = webhook.ConstructEvent(body, h.Get(webhook.HeaderCheckoutSignature), oldSecret)
	fmt.Println(err)
	fmt.Println(webhook.VerifyStandard(body, h, oldSecret, 0))
	// Output:
	// <nil>
	// <nil>
}
