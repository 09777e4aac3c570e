package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// pageScenario loads GET /checkout/{id} over ids as a browser asks for it,
// gzip accepted. The client does not inflate (its transport has
// DisableCompression, and the header is set here), so the bytes counted are
// the compressed ones and the client spends no time inflating; an answer must
// be 200 and gzip-encoded to count.
func pageScenario(base string, ids []string) scenario {
	return scenario{
		name: "page",
		req: get(func(w, i int) string {
			return base + "/checkout/" + ids[(w*7919+i)%len(ids)]
		}, http.Header{"Accept-Encoding": {"gzip"}}),
		want:  http.StatusOK,
		check: isGzipPage,
	}
}

// isGzipPage checks a page answer that was asked for with gzip accepted.
func isGzipPage(resp *http.Response, body []byte) error {
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		return fmt.Errorf("Content-Encoding %q, want gzip", ce)
	}
	if !bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		return errors.New("the body is not gzip data")
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		return fmt.Errorf("Content-Type %q, want text/html", ct)
	}
	return nil
}

// pageSize is one page fetched twice, once as is and once gzip-encoded.
type pageSize struct {
	plain, gzipped int // bytes on the wire
	inflated       int // the gzip answer, inflated: should be about plain
}

// measurePageSize fetches pageURL without and with gzip and checks both are
// the payment form.
func measurePageSize(ctx context.Context, pageURL string) (pageSize, error) {
	var ps pageSize
	client := newClient(1)
	defer client.CloseIdleConnections()
	fetch := func(gz bool) ([]byte, *http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
		if err != nil {
			return nil, nil, err
		}
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, nil, fmt.Errorf("GET %s: %d %s", pageURL, resp.StatusCode, clip(b, 200))
		}
		return b, resp, nil
	}
	plain, resp, err := fetch(false)
	if err != nil {
		return ps, err
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		return ps, fmt.Errorf("GET %s without Accept-Encoding: Content-Encoding %q", pageURL, ce)
	}
	zipped, resp, err := fetch(true)
	if err != nil {
		return ps, err
	}
	if err := isGzipPage(resp, zipped); err != nil {
		return ps, fmt.Errorf("GET %s with gzip accepted: %w", pageURL, err)
	}
	var zr gzip.Reader
	inflated, err := inflate(&zr, zipped)
	if err != nil {
		return ps, fmt.Errorf("GET %s: inflating the page: %w", pageURL, err)
	}
	u, _ := url.Parse(pageURL)
	for _, b := range [][]byte{plain, inflated} {
		if _, _, err := cardForm(b, u); err != nil {
			return ps, fmt.Errorf("GET %s: %w", pageURL, err)
		}
	}
	return pageSize{plain: len(plain), gzipped: len(zipped), inflated: len(inflated)}, nil
}

// inflate decompresses b with zr (reset, so a worker reuses one reader).
func inflate(zr *gzip.Reader, b []byte) ([]byte, error) {
	if err := zr.Reset(bytes.NewReader(b)); err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// cardForm finds the card payment form in a hosted page, as a browser would
// submit it: the <form> holding a hidden method=card input; it returns the
// form's action resolved against the page's URL and its csrf_token.
func cardForm(page []byte, pageURL *url.URL) (action, csrf string, err error) {
	z := html.NewTokenizer(bytes.NewReader(page))
	inForm := false
	var formAction, formCSRF string
	var isCard bool
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return "", "", errors.New("the page has no card form with a csrf_token")
			}
			return "", "", z.Err()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "form":
				inForm, isCard, formCSRF = true, false, ""
				formAction = attr(tok, "action")
			case "input":
				if !inForm || attr(tok, "type") != "hidden" {
					continue
				}
				switch attr(tok, "name") {
				case "csrf_token":
					formCSRF = attr(tok, "value")
				case "method":
					isCard = attr(tok, "value") == "card"
				}
			}
		case html.EndTagToken:
			if tok := z.Token(); tok.Data == "form" && inForm {
				inForm = false
				if isCard && formCSRF != "" {
					u, err := pageURL.Parse(formAction)
					if err != nil {
						return "", "", fmt.Errorf("the card form's action %q: %w", formAction, err)
					}
					return u.String(), formCSRF, nil
				}
			}
		}
	}
}

// voidElements have no end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

func attr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// pageMessage is what a hosted page tells the customer went wrong: the text
// of its alerts (role="alert") and of its <h1>, for error samples.
func pageMessage(page []byte) string {
	z := html.NewTokenizer(bytes.NewReader(page))
	var parts []string
	depth := 0 // > 0 inside an alert or a heading, counting nested elements
	var cur strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(parts, " / ")
		case html.StartTagToken:
			tok := z.Token()
			if voidElements[tok.Data] {
				continue
			}
			if depth > 0 {
				depth++
			} else if tok.Data == "h1" || attr(tok, "role") == "alert" {
				depth = 1
				cur.Reset()
			}
		case html.EndTagToken:
			if depth > 0 {
				if depth--; depth == 0 {
					if t := strings.Join(strings.Fields(cur.String()), " "); t != "" {
						parts = append(parts, t)
					}
				}
			}
		case html.TextToken:
			if depth > 0 {
				cur.Write(z.Text())
				cur.WriteByte(' ')
			}
		}
	}
}
