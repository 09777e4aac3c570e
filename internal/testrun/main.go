// Command testrun runs go test and ends with one line saying which tests
// were skipped and why:
//
//	go run ./internal/testrun [go test flags] [packages]
//
// It runs go test -json with those arguments and prints what go test prints
// without -json: an ok line per passing package, the full output of each
// failing test and package, as soon as go test reports it (so a hang shows
// when go test's -timeout ends it), and, with -v, everything. Then one line
// such as
//
//	skipped 37 tests: 20 need CHECKOUTD_TEST_POSTGRES_URL, 12 need chromium, 5 need CHECKOUTD_TEST_REDIS_URL
//
// Plain go test hides the output of passing packages, skip messages
// included, which is why this exists. Tests skip through internal/testenv,
// whose messages ("needs WHAT: HINT") it groups by WHAT; any other skip is
// grouped by its message. Its exit code is go test's.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/internal/testenv"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// goTest is the go test command; a test replaces it.
var goTest = func(args []string) *exec.Cmd {
	return exec.Command("go", append([]string{"test", "-json"}, args...)...)
}

// run runs go test with args, writes what it reports to stdout (its own
// stderr goes to stderr) and the summary line, and returns go test's exit
// code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := goTest(args)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "testrun:", err)
		return 2
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "testrun:", err)
		return 2
	}
	f := newFilter(stdout, slices.Contains(args, "-v"))
	f.copy(out)
	err = cmd.Wait()
	fmt.Fprintln(stdout, f.summary())
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	default:
		fmt.Fprintln(stderr, "testrun:", err)
		return 2
	}
}

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// filter turns go test -json into go test's own output, and counts skips.
type filter struct {
	w       io.Writer
	verbose bool
	// The output of each running test and of each package, kept until
	// its outcome says whether to print it.
	tests map[[2]string][]string
	pkgs  map[string][]string
	// skips counts the skipped tests by reason.
	skips map[string]int
}

func newFilter(w io.Writer, verbose bool) *filter {
	return &filter{w: w, verbose: verbose, tests: map[[2]string][]string{}, pkgs: map[string][]string{}, skips: map[string]int{}}
}

// copy reads go test -json from r to its end.
func (f *filter) copy(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			f.line(line)
		}
		if err != nil {
			return
		}
	}
}

func (f *filter) line(line []byte) {
	var e event
	if !bytes.HasPrefix(line, []byte("{")) || json.Unmarshal(line, &e) != nil {
		f.w.Write(line) // not an event: go test printed it as it is
		return
	}
	key := [2]string{e.Package, e.Test}
	switch e.Action {
	case "build-output":
		io.WriteString(f.w, e.Output)
	case "output":
		// A test's output is kept also with -v, for its skip reason.
		if f.verbose {
			io.WriteString(f.w, e.Output)
		}
		if e.Test != "" {
			f.tests[key] = append(f.tests[key], e.Output)
		} else if !f.verbose {
			f.pkgs[e.Package] = append(f.pkgs[e.Package], e.Output)
		}
	case "skip":
		if e.Test != "" {
			f.skips[skipReason(f.tests[key])]++
			delete(f.tests, key)
			return
		}
		f.flushPackage(e.Package, nil) // "?   pkg [no test files]"
	case "pass":
		if e.Test != "" {
			delete(f.tests, key)
			return
		}
		f.flushPackage(e.Package, func(s string) bool { return strings.HasPrefix(s, "ok ") })
	case "fail":
		if e.Test != "" {
			if !f.verbose {
				f.print(f.tests[key])
			}
			delete(f.tests, key)
			return
		}
		// A test that never reported an outcome (its binary crashed or
		// timed out) may hold the only clue: print what it wrote.
		left := slices.SortedFunc(maps.Keys(f.tests), func(a, b [2]string) int { return strings.Compare(a[1], b[1]) })
		for _, k := range left {
			if k[0] == e.Package {
				if !f.verbose {
					f.print(f.tests[k])
				}
				delete(f.tests, k)
			}
		}
		f.flushPackage(e.Package, nil)
	}
}

// flushPackage prints the package's kept output, only the lines keep
// accepts if it is not nil, and forgets it.
func (f *filter) flushPackage(pkg string, keep func(string) bool) {
	lines := f.pkgs[pkg]
	delete(f.pkgs, pkg)
	if keep != nil {
		lines = slices.DeleteFunc(lines, func(s string) bool { return !keep(s) })
	}
	f.print(lines)
}

// framing is the lines go test -json adds to say which test runs.
var framing = regexp.MustCompile(`^=== (RUN|PAUSE|CONT|NAME) `)

func (f *filter) print(lines []string) {
	for _, s := range lines {
		if !framing.MatchString(s) {
			io.WriteString(f.w, s)
		}
	}
}

// logLine is a line a test logged: "    file_test.go:12: message".
var logLine = regexp.MustCompile(`^\s+[^\s:]+\.go:\d+: (.*)$`)

// skipReason is what a skipped test's output says it lacks: for a skip
// through testenv, what it needs; otherwise its last logged line, which is
// the message of t.Skip.
func skipReason(lines []string) string {
	msg := ""
	for _, s := range lines {
		if m := logLine.FindStringSubmatch(strings.TrimRight(s, "\n")); m != nil {
			msg = m[1]
		}
	}
	if what, ok := strings.CutPrefix(msg, testenv.Prefix); ok {
		what, _, _ = strings.Cut(what, ": ")
		return testenv.Prefix + what
	}
	return msg
}

// summary is the closing line: how many tests were skipped, by reason,
// most frequent first.
func (f *filter) summary() string {
	total := 0
	reasons := make([]string, 0, len(f.skips))
	for r, n := range f.skips {
		total += n
		reasons = append(reasons, r)
	}
	// Most frequent first; on a tie, what testenv names, then other
	// messages, then no reason.
	rank := func(r string) int {
		switch {
		case strings.HasPrefix(r, testenv.Prefix):
			return 0
		case r != "":
			return 1
		}
		return 2
	}
	slices.SortFunc(reasons, func(a, b string) int {
		if f.skips[a] != f.skips[b] {
			return f.skips[b] - f.skips[a]
		}
		if rank(a) != rank(b) {
			return rank(a) - rank(b)
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "skipped %d %s", total, plural(total, "test", "tests"))
	for i, r := range reasons {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		n := f.skips[r]
		switch what, ok := strings.CutPrefix(r, testenv.Prefix); {
		case ok:
			fmt.Fprintf(&b, "%d %s %s", n, plural(n, "needs", "need"), what)
		case r == "":
			fmt.Fprintf(&b, "%d without a reason", n)
		default:
			fmt.Fprintf(&b, "%d %q", n, r)
		}
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
