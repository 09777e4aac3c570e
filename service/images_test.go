package service_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// imageOrigin serves a PNG at /ok.png and a 500 elsewhere, counting requests.
func imageOrigin(t *testing.T) (*httptest.Server, *atomic.Int32) {
	img := pngOf(t, 2, 2)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/ok.png" {
			w.Write(img)
			return
		}
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func sessionWithImage(url string) *service.SessionParams {
	one, price := int64(1), int64(100)
	return &service.SessionParams{Currency: "EUR", SuccessURL: "https://shop.example/ok", CancelURL: "https://shop.example/no",
		LineItems: []service.LineItemParams{{Quantity: &one, UnitAmount: &price, Currency: "EUR", Name: "Beans", Images: []string{url}}}}
}

// TestImageFetchedOnceAcrossReplicas: two replicas over one store creating
// sessions that name the same image at once fetch it once between them:
// the fetch is claimed through the store.
func TestImageFetchedOnceAcrossReplicas(t *testing.T) {
	origin, hits := imageOrigin(t)
	f := newFixture(t)
	f.configure(func(c *service.Config) { c.Webhooks.AllowPrivate = true })
	replicas := []*service.Service{f.svc, service.New(f.cfg)}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := replicas[i%2].CreateSession(f.ctx, f.scope, sessionWithImage(origin.URL+"/ok.png")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, r := range replicas {
		r.WaitImages()
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the image was fetched %d times, want once", n)
	}
	sess, err := replicas[1].CreateSession(f.ctx, f.scope, sessionWithImage(origin.URL+"/ok.png"))
	if err != nil {
		t.Fatal(err)
	}
	if ids := replicas[0].ItemImages(f.ctx, sess); len(ids) != 1 || ids[0] == "" {
		t.Errorf("ItemImages = %q, want the stored image", ids)
	}
}

// TestFailedImageRetriedLater: a failed fetch is not tried again for
// RetryFailedAfter, then is, by any replica.
func TestFailedImageRetriedLater(t *testing.T) {
	origin, hits := imageOrigin(t)
	f := newFixture(t)
	clock := &setClock{now: time.Now()}
	f.configure(func(c *service.Config) {
		c.Webhooks.AllowPrivate = true
		c.Clock = clock
		c.Images.RetryFailedAfter = time.Hour
	})
	other := service.New(f.cfg)
	create := func(svc *service.Service) *checkout.Session {
		t.Helper()
		sess, err := svc.CreateSession(f.ctx, f.scope, sessionWithImage(origin.URL+"/broken.png"))
		if err != nil {
			t.Fatal(err)
		}
		svc.WaitImages()
		return sess
	}
	sess := create(f.svc)
	create(other)
	clock.Add(59 * time.Minute)
	create(f.svc)
	create(other)
	if n := hits.Load(); n != 1 {
		t.Fatalf("fetched %d times within the hour, want once", n)
	}
	if ids := f.svc.ItemImages(f.ctx, sess); ids[0] != "" {
		t.Errorf("a failed image shows as %q", ids[0])
	}
	clock.Add(2 * time.Minute)
	create(other)
	if n := hits.Load(); n != 2 {
		t.Errorf("fetched %d times after the hour, want a second try", n)
	}
}
