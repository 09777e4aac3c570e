package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/checkoutd/checkoutd/client"
)

// Create a session for an order, send the customer to its URL, and later
// list the sessions that were paid. (Needs a running checkoutd, so it is
// compiled but not run.)
func Example() {
	ctx := context.Background()
	c := client.New("sk_test_...", client.WithBaseURL("http://127.0.0.1:8080"))

	s, err := c.Sessions.Create(ctx, &client.SessionParams{
		Currency:   "GHS",
		SuccessURL: "https://shop.example.com/thanks",
		CancelURL:  "https://shop.example.com/cart",
		LineItems: []client.LineItemParams{{
			Quantity: 2,
			PriceData: &client.PriceDataParams{
				Currency:    "GHS",
				UnitAmount:  2500, // GHS 25.00
				ProductData: &client.ProductDataParams{Name: "Tee"},
			},
		}},
		ClientReferenceID: "order-42",
		Metadata:          map[string]string{"order_id": "42"},
		ExpiresAt:         time.Now().Add(time.Hour),
		// Retrying the whole checkout step for order 42, even after a crash,
		// returns this same session instead of creating another.
		IdempotencyKey: "checkout-order-42",
	})
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		log.Fatalf("checkoutd refused (%s, param %q, request %s): %s",
			apiErr.Code, apiErr.Param, apiErr.RequestID, apiErr.Message)
	} else if err != nil {
		log.Fatal(err) // network failure that outlasted the retries
	}
	fmt.Println("redirect the customer to", s.URL)

	for s, err := range c.Sessions.All(ctx, &client.SessionListParams{
		Status:     client.SessionStatusComplete,
		CreatedGTE: time.Now().Add(-24 * time.Hour),
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.ID, s.AmountTotal, s.Metadata["order_id"])
	}
}

// Decode the session inside an event, e.g. one received from the events list.
func ExampleEvent_Session() {
	var e client.Event
	err := json.Unmarshal([]byte(`{"id":"evt_1","object":"event","type":"checkout.session.completed",
		"created":1700000000,"sequence":3,
		"data":{"object":{"id":"cs_1","object":"checkout.session","status":"complete","payment_status":"paid",
			"amount_total":5000,"currency":"GHS","metadata":{"order_id":"42"}}}}`), &e)
	if err != nil {
		log.Fatal(err)
	}
	s, err := e.Session()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Type, s.ID, s.PaymentStatus, s.AmountTotal, s.Metadata["order_id"])
	// Output: checkout.session.completed cs_1 paid 5000 42
}
