// Package browser holds the hosted page's browser tests: they build the real
// checkoutd binary, run it, and drive Debian's Chromium through chromedp
// against it, saving a screenshot of every page under test-artifacts/. The
// package has no code of its own; see its _test.go files.
package browser
