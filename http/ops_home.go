package http

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
)

// docsURL is where the home page sends a reader for the documentation: the
// project's README, on the repository the module path names. The server
// itself serves no README.
const docsURL = "https://github.com/checkoutd/checkoutd#readme"

// homeStyle is the home page's only style. The page is the same for every
// request, so the policy allows the style by its hash and no nonce is needed.
const homeStyle = `body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#1a1a1a}h1{font-size:1.6em;margin:0 0 .3em}`

var homePage = []byte(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>checkoutd</title>
<style>` + homeStyle + `</style>
</head>
<body>
<h1>checkoutd</h1>
<p>A self-hostable hosted checkout. This server answers the merchant API under <code>/v1</code> and serves the payment pages at the URLs the API returns.</p>
<ul>
<li><a href="` + docsURL + `">Documentation</a> (the project's README)</li>
<li><a href="/openapi.json">API description</a> (OpenAPI 3.1)</li>
</ul>
</body>
</html>
`)

// homeCSP is the hosted page's policy without its nonces: nothing loads,
// nothing runs, nothing frames the page, and no form posts anywhere.
var homeCSP = func() string {
	sum := sha256.Sum256([]byte(homeStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
}()

// home answers exactly GET / (and HEAD /): a browser opening the server's
// address finds out what it is instead of the API's JSON 404.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", homeCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(homePage)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(homePage)
	}
}
