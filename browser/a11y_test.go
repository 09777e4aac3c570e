package browser_test

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/checkoutd/checkoutd/internal/testenv"
)

// axePath is axe-core's browser bundle as npm installs it from
// browser/package-lock.json (go test runs in this directory).
const axePath = "node_modules/axe-core/axe.min.js"

// axeTags are the rule sets every page is held to.
const axeTags = `["wcag2a","wcag2aa","wcag21aa","best-practice"]`

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeScript is axe.min.js, read once for the package. Without it the test is
// skipped naming the command that installs it, or, under CI=true, fails.
func axeScript(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		b, err := os.ReadFile(axePath)
		axeSource, axeErr = string(b), err
	})
	if errors.Is(axeErr, fs.ErrNotExist) {
		testenv.Need(t, "axe-core", "run npm ci --prefix browser (from the repository root) to install it")
	}
	if axeErr != nil {
		t.Fatal(axeErr)
	}
	return axeSource
}

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	HelpURL string   `json:"helpUrl"`
	Targets []string `json:"targets"`
}

// axeRun runs axe over the document and answers its violations, each with
// the selectors of the elements that break it. Results other than the
// violations are dropped in the page, so only what is reported crosses the
// protocol.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ` + axeTags + `}, resultTypes: ["violations"]})
  .then(function (r) { return r.violations.map(function (v) {
    return {id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
      targets: v.nodes.map(function (n) { return n.target.join(" ") })}
  }) })`

// checkA11y runs axe-core in the tab's page and fails the test on any
// serious or critical violation, naming the rule, its help and the elements;
// moderate and minor ones are logged. name says which page it was.
func checkA11y(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, v := range axeViolations(t, ctx) {
		msg := name + ": " + v.Impact + " " + v.ID + ": " + v.Help + " (" + v.HelpURL + ")\n    at " + strings.Join(v.Targets, "\n    at ")
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}

// axeViolations injects axe-core into the tab's page, unless it is there
// already, and runs it.
//
// axe is injected through Runtime.evaluate, which the page's CSP does not
// govern (it binds the page's own scripts), so the page is checked under the
// very policy it is served with.
func axeViolations(t *testing.T, ctx context.Context) []axeViolation {
	t.Helper()
	src := axeScript(t)
	if !get(t, ctx, chromedp.Evaluate[bool](`typeof axe === "object"`)) {
		do(t, ctx, chromedp.Evaluate[chromedp.Void](src))
	}
	return get(t, ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
}

// TestAxeFindsViolations: the check finds what it is there for, on a page
// made to break two critical rules: an image without a text alternative and
// an input without a label.
func TestAxeFindsViolations(t *testing.T) {
	ctx := newTab(t)
	axeScript(t)
	const broken = `<!doctype html><html lang="en"><title>Broken</title><main><h1>Broken</h1><img src="data:,"><input id="x"></main></html>`
	do(t, ctx, chromedp.Navigate("data:text/html,"+url.PathEscape(broken)), chromedp.WaitVisible(chromedp.ID("x")))
	found := map[string]string{}
	for _, v := range axeViolations(t, ctx) {
		found[v.ID] = v.Impact
	}
	for _, rule := range []string{"image-alt", "label"} {
		if found[rule] != "critical" {
			t.Errorf("axe found %v, not %s as critical", found, rule)
		}
	}
}
