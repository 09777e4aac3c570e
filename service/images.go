package service

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/netguard"
)

// Line items' images are merchant URLs. The page loads nothing from
// elsewhere, so each is fetched once, in the background after the session
// is made (never slowing or failing its creation), through the SSRF guard
// webhooks use, with a timeout and the image size limit, and kept as a
// File found by account and URL (checkout.SourceKey). The page shows the
// copy when there is one and a neutral placeholder otherwise.
//
// At most one fetch of a URL runs at a time, across replicas too: a fetch
// starts by storing its File as fetching (an insert, or a compare-and-set
// on an earlier failure), which only one process wins; a claim whose
// process died lapses after imageClaimLease. A failed fetch is stored as
// failed and not tried again for ImageConfig.RetryFailedAfter (an hour by
// default), whichever replica's session names the URL next; it is logged
// once at WARN with the URL's host only.
//
// Only the first image of an item is fetched: it is the one the page shows.

// imageClaimLease is how long a fetch's claim holds: well beyond its
// timeout, so a live fetch is never fetched twice.
const imageClaimLease = time.Minute

// maxQueuedFetches bounds the fetches waiting in one process; a URL left
// out is fetched for a later session.
const maxQueuedFetches = 256

// imageFetcher is the service's state for fetching images.
type imageFetcher struct {
	clients map[bool]*http.Client // by livemode
	slots   chan struct{}         // FetchConcurrency
	mu      sync.Mutex
	queued  map[string]bool      // source keys queued or fetching here
	settled map[string]time.Time // source key → no need to look before then
	wg      sync.WaitGroup
	// ready maps the source key of an image stored ready to its file id.
	// A ready image never changes, so the page's lookups, which would
	// otherwise read the image's bytes from the store on each view, are
	// answered here once seen; bounded by maxReadyIDs.
	readyMu sync.RWMutex
	ready   map[string]string
}

// maxReadyIDs bounds imageFetcher.ready (about 150 bytes an entry).
const maxReadyIDs = 50000

func (s *Service) newImageFetcher() *imageFetcher {
	return &imageFetcher{
		clients: map[bool]*http.Client{
			false: s.WebhookPolicy(false).Client(s.images.FetchTimeout),
			true:  s.WebhookPolicy(true).Client(s.images.FetchTimeout),
		},
		slots:   make(chan struct{}, s.images.FetchConcurrency),
		queued:  map[string]bool{},
		settled: map[string]time.Time{},
		ready:   map[string]string{},
	}
}

// WaitImages waits until every image fetch started so far has finished:
// for tests, and for a clean shutdown.
func (s *Service) WaitImages() { s.fetcher.wg.Wait() }

// fetchItemImages starts the fetch of each line item's first image that
// is not stored yet.
func (s *Service) fetchItemImages(sess *checkout.Session) {
	for _, li := range sess.LineItems {
		if len(li.Images) > 0 {
			s.startFetch(sess.Scope(), li.Images[0])
		}
	}
}

func (s *Service) startFetch(scope checkout.Scope, raw string) {
	fe := s.fetcher
	key := checkout.SourceKey(scope.AccountID, raw)
	fe.mu.Lock()
	if fe.queued[key] || len(fe.queued) >= maxQueuedFetches || s.now().Before(fe.settled[key]) {
		fe.mu.Unlock()
		return
	}
	fe.queued[key] = true
	fe.wg.Add(1)
	fe.mu.Unlock()
	go func() {
		defer fe.wg.Done()
		fe.slots <- struct{}{}
		until := s.fetchImage(scope, raw, key)
		<-fe.slots
		fe.mu.Lock()
		delete(fe.queued, key)
		if !until.IsZero() {
			if len(fe.settled) > 10000 {
				clear(fe.settled) // a bound, not a policy: it is only a shortcut
			}
			fe.settled[key] = until
		}
		fe.mu.Unlock()
	}()
}

// fetchImage claims, fetches and stores the image at raw. It returns until
// when (by the service's clock) this process need not look at the URL
// again; zero: look next time.
func (s *Service) fetchImage(scope checkout.Scope, raw, key string) time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), s.images.FetchTimeout+30*time.Second)
	defer cancel()
	now := s.now()
	var f *checkout.File
	o, err := s.store.FindObject(ctx, checkout.FileKind, key)
	switch {
	case checkout.IsKind(err, checkout.KindNotFound):
		f = &checkout.File{ID: s.ids.New("file"), AccountID: scope.AccountID, Livemode: scope.Livemode,
			Purpose: checkout.FilePurposeItemImage, SourceURL: raw, Version: 1, Created: now}
	case err != nil:
		s.log.Error("looking up a line item image failed", "err", err)
		return time.Time{}
	default:
		old, ok := o.(*checkout.File)
		if !ok {
			return time.Time{}
		}
		if old.Status == checkout.FileReady {
			return now.Add(10 * time.Minute) // a stored image never changes
		}
		if now.Before(old.RetryAt) {
			return old.RetryAt // failed lately, or fetching elsewhere
		}
		c := *old
		f = &c
		f.Version++
	}
	f.Status, f.Failure, f.RetryAt, f.Updated = checkout.FileFetching, "", now.Add(imageClaimLease), now
	if err := s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{f}}); err != nil {
		if !checkout.IsKind(err, checkout.KindConflict) { // a conflict: another process claimed it
			s.log.Error("claiming a line item image failed", "err", err)
		}
		return time.Time{}
	}

	typ, data, failure := s.download(ctx, scope.Livemode, raw)
	done := *f
	done.Version++
	done.Updated = s.now()
	var until time.Time
	if failure != "" {
		host := ""
		if u, err := url.Parse(raw); err == nil {
			host = u.Hostname()
		}
		s.log.Warn("line item image not fetched; the page shows a placeholder", "host", host, "reason", failure,
			"retry_after", s.images.RetryFailedAfter.String())
		done.Status, done.Failure, done.RetryAt = checkout.FileFailed, failure, done.Updated.Add(s.images.RetryFailedAfter)
		until = done.RetryAt
	} else {
		done.Status, done.RetryAt = checkout.FileReady, time.Time{}
		setImage(&done, typ, data)
		until = done.Updated.Add(10 * time.Minute)
	}
	if err := s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{&done}}); err != nil {
		s.log.Error("storing a line item image failed", "err", err)
		return time.Time{}
	}
	return until
}

// download fetches raw and checks it is an image within the size limit. It
// returns the image's type and bytes, or a failure code.
func (s *Service) download(ctx context.Context, livemode bool, raw string) (typ string, data []byte, failure string) {
	if err := s.WebhookPolicy(livemode).CheckURL(raw); err != nil {
		return "", nil, "blocked"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return "", nil, "fetch_failed"
	}
	req.Header.Set("Accept", "image/png,image/jpeg,image/gif,image/webp")
	req.Header.Set("User-Agent", "checkoutd-image-fetch")
	resp, err := s.fetcher.clients[livemode].Do(req)
	if err != nil {
		var ne interface{ Timeout() bool }
		switch {
		case errors.Is(err, netguard.ErrBlocked):
			return "", nil, "blocked"
		case errors.As(err, &ne) && ne.Timeout():
			return "", nil, "timeout"
		}
		return "", nil, "fetch_failed"
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK { // redirects are not followed
		return "", nil, "http_status"
	}
	max := s.images.MaxBytes
	if resp.ContentLength > max {
		return "", nil, "too_large"
	}
	// One byte more than allowed tells a body too large without reading it all.
	data, err = io.ReadAll(io.LimitReader(resp.Body, max+1))
	switch {
	case int64(len(data)) > max:
		return "", nil, "too_large"
	case err != nil:
		return "", nil, "fetch_failed"
	}
	typ, ok := sniffImage(data)
	if !ok {
		return "", nil, "not_an_image"
	}
	return typ, data, ""
}

// ItemImages are the ids of the stored images of the session's line items,
// one per item in order, "" where there is none (not fetched yet, or the
// fetch failed): the page shows a placeholder there.
func (s *Service) ItemImages(ctx context.Context, sess *checkout.Session) []string {
	fe := s.fetcher
	out := make([]string, len(sess.LineItems))
	for i, li := range sess.LineItems {
		if len(li.Images) == 0 {
			continue
		}
		key := checkout.SourceKey(sess.AccountID, li.Images[0])
		fe.readyMu.RLock()
		id, ok := fe.ready[key]
		fe.readyMu.RUnlock()
		if ok {
			out[i] = id
			continue
		}
		o, err := s.store.FindObject(ctx, checkout.FileKind, key)
		if f, ok := o.(*checkout.File); err == nil && ok && f.Status == checkout.FileReady {
			out[i] = f.ID
			fe.readyMu.Lock()
			if len(fe.ready) >= maxReadyIDs {
				clear(fe.ready)
			}
			fe.ready[key] = f.ID
			fe.readyMu.Unlock()
		}
	}
	return out
}
