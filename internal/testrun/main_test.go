package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// canned is go test -json output, as Go 1.26 writes it, for: a package
// whose tests pass or skip (through testenv, with another message, with
// none), one with a failing subtest, one without test files, and one that
// does not build.
const canned = `{"Action":"start","Package":"ex/a"}
{"Action":"run","Package":"ex/a","Test":"TestPG"}
{"Action":"output","Package":"ex/a","Test":"TestPG","Output":"=== RUN   TestPG\n"}
{"Action":"output","Package":"ex/a","Test":"TestPG","Output":"    pg_test.go:30: needs CHECKOUTD_TEST_POSTGRES_URL: set it (e.g. postgres://x) to run the PostgreSQL tests\n"}
{"Action":"output","Package":"ex/a","Test":"TestPG","Output":"--- SKIP: TestPG (0.00s)\n"}
{"Action":"skip","Package":"ex/a","Test":"TestPG","Elapsed":0}
{"Action":"run","Package":"ex/a","Test":"TestStore"}
{"Action":"output","Package":"ex/a","Test":"TestStore","Output":"=== RUN   TestStore\n"}
{"Action":"run","Package":"ex/a","Test":"TestStore/Ping"}
{"Action":"output","Package":"ex/a","Test":"TestStore/Ping","Output":"=== RUN   TestStore/Ping\n"}
{"Action":"output","Package":"ex/a","Test":"TestStore/Ping","Output":"    redis_test.go:18: needs CHECKOUTD_TEST_REDIS_URL: set it (e.g. redis://x) to run the Redis tests\n"}
{"Action":"output","Package":"ex/a","Test":"TestStore/Ping","Output":"--- SKIP: TestStore/Ping (0.00s)\n"}
{"Action":"skip","Package":"ex/a","Test":"TestStore/Ping","Elapsed":0}
{"Action":"run","Package":"ex/a","Test":"TestStore/Get"}
{"Action":"output","Package":"ex/a","Test":"TestStore/Get","Output":"    redis_test.go:18: needs CHECKOUTD_TEST_REDIS_URL: set it (e.g. redis://x) to run the Redis tests\n"}
{"Action":"skip","Package":"ex/a","Test":"TestStore/Get","Elapsed":0}
{"Action":"output","Package":"ex/a","Test":"TestStore","Output":"--- PASS: TestStore (0.00s)\n"}
{"Action":"pass","Package":"ex/a","Test":"TestStore","Elapsed":0}
{"Action":"run","Package":"ex/a","Test":"TestChatty"}
{"Action":"output","Package":"ex/a","Test":"TestChatty","Output":"    a_test.go:9: a log line of a passing test\n"}
{"Action":"output","Package":"ex/a","Test":"TestChatty","Output":"--- PASS: TestChatty (0.00s)\n"}
{"Action":"pass","Package":"ex/a","Test":"TestChatty","Elapsed":0}
{"Action":"run","Package":"ex/a","Test":"TestOther"}
{"Action":"output","Package":"ex/a","Test":"TestOther","Output":"    a_test.go:40: logged first\n"}
{"Action":"output","Package":"ex/a","Test":"TestOther","Output":"    a_test.go:41: only on Windows\n"}
{"Action":"skip","Package":"ex/a","Test":"TestOther","Elapsed":0}
{"Action":"run","Package":"ex/a","Test":"TestNow"}
{"Action":"output","Package":"ex/a","Test":"TestNow","Output":"--- SKIP: TestNow (0.00s)\n"}
{"Action":"skip","Package":"ex/a","Test":"TestNow","Elapsed":0}
{"Action":"output","Package":"ex/a","Output":"some stdout of a passing package\n"}
{"Action":"output","Package":"ex/a","Output":"PASS\n"}
{"Action":"output","Package":"ex/a","Output":"ok  \tex/a\t0.012s\n"}
{"Action":"pass","Package":"ex/a","Elapsed":0.012}
{"Action":"start","Package":"ex/b"}
{"Action":"run","Package":"ex/b","Test":"TestPay"}
{"Action":"output","Package":"ex/b","Test":"TestPay","Output":"=== RUN   TestPay\n"}
{"Action":"run","Package":"ex/b","Test":"TestPay/declined"}
{"Action":"output","Package":"ex/b","Test":"TestPay/declined","Output":"=== RUN   TestPay/declined\n"}
{"Action":"output","Package":"ex/b","Test":"TestPay/declined","Output":"    b_test.go:12: status 500, want 402\n"}
{"Action":"output","Package":"ex/b","Test":"TestPay","Output":"--- FAIL: TestPay (0.01s)\n"}
{"Action":"output","Package":"ex/b","Test":"TestPay/declined","Output":"    --- FAIL: TestPay/declined (0.00s)\n"}
{"Action":"fail","Package":"ex/b","Test":"TestPay/declined","Elapsed":0}
{"Action":"fail","Package":"ex/b","Test":"TestPay","Elapsed":0.01}
{"Action":"run","Package":"ex/b","Test":"TestHang"}
{"Action":"output","Package":"ex/b","Test":"TestHang","Output":"    b_test.go:30: waiting for the webhook\n"}
{"Action":"output","Package":"ex/b","Output":"FAIL\n"}
{"Action":"output","Package":"ex/b","Output":"FAIL\tex/b\t0.020s\n"}
{"Action":"fail","Package":"ex/b","Elapsed":0.02}
{"Action":"output","Package":"ex/c","Output":"?   \tex/c\t[no test files]\n"}
{"Action":"skip","Package":"ex/c","Elapsed":0}
{"ImportPath":"ex/d","Action":"build-output","Output":"# ex/d\n"}
{"ImportPath":"ex/d","Action":"build-output","Output":"d/d.go:3:1: syntax error\n"}
{"ImportPath":"ex/d","Action":"build-fail"}
{"Action":"start","Package":"ex/d"}
{"Action":"output","Package":"ex/d","Output":"FAIL\tex/d [build failed]\n"}
{"Action":"fail","Package":"ex/d","Elapsed":0,"FailedBuild":"ex/d"}
`

const wantOutput = `ok  	ex/a	0.012s
    b_test.go:12: status 500, want 402
    --- FAIL: TestPay/declined (0.00s)
--- FAIL: TestPay (0.01s)
    b_test.go:30: waiting for the webhook
FAIL
FAIL	ex/b	0.020s
?   	ex/c	[no test files]
# ex/d
d/d.go:3:1: syntax error
FAIL	ex/d [build failed]
`

const wantSummary = `skipped 5 tests: 2 need CHECKOUTD_TEST_REDIS_URL, 1 needs CHECKOUTD_TEST_POSTGRES_URL, 1 "only on Windows", 1 without a reason`

func TestFilter(t *testing.T) {
	var out strings.Builder
	f := newFilter(&out, false)
	f.copy(strings.NewReader(canned))
	if got := out.String(); got != wantOutput {
		t.Errorf("output:\n%s\nwant:\n%s", got, wantOutput)
	}
	if got := f.summary(); got != wantSummary {
		t.Errorf("summary:\n%s\nwant:\n%s", got, wantSummary)
	}
}

func TestFilterVerbose(t *testing.T) {
	var out strings.Builder
	f := newFilter(&out, true)
	f.copy(strings.NewReader(canned))
	for _, s := range []string{"=== RUN   TestPG\n", "a log line of a passing test\n", "some stdout of a passing package\n", "ok  \tex/a"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("with -v the output lacks %q", s)
		}
	}
	if n := strings.Count(out.String(), "status 500, want 402"); n != 1 {
		t.Errorf("with -v a failing test's log line is printed %d times", n)
	}
	if got := f.summary(); got != wantSummary {
		t.Errorf("summary with -v:\n%s\nwant:\n%s", got, wantSummary)
	}
}

func TestSummaryNoSkips(t *testing.T) {
	f := newFilter(new(strings.Builder), false)
	if got := f.summary(); got != "skipped 0 tests" {
		t.Errorf("summary %q", got)
	}
}

// TestRunExitCode runs this test binary in place of go test: it prints the
// canned stream and exits with the code asked for, which run must return.
func TestRunExitCode(t *testing.T) {
	if code := os.Getenv("TESTRUN_FAKE_GO_TEST"); code != "" {
		fmt.Print(canned)
		os.Stderr.WriteString("go test's stderr\n")
		var n int
		fmt.Sscan(code, &n)
		os.Exit(n)
	}
	saved := goTest
	t.Cleanup(func() { goTest = saved })
	for _, code := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			var gotArgs []string
			goTest = func(args []string) *exec.Cmd {
				gotArgs = args
				cmd := exec.Command(os.Args[0], "-test.run=^TestRunExitCode$")
				cmd.Env = append(os.Environ(), fmt.Sprintf("TESTRUN_FAKE_GO_TEST=%d", code))
				return cmd
			}
			var stdout, stderr strings.Builder
			if got := run([]string{"-race", "./..."}, &stdout, &stderr); got != code {
				t.Errorf("run returned %d; go test exited %d", got, code)
			}
			if strings.Join(gotArgs, " ") != "-race ./..." {
				t.Errorf("go test got arguments %q", gotArgs)
			}
			if want := wantOutput + wantSummary + "\n"; stdout.String() != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want)
			}
			if stderr.String() != "go test's stderr\n" {
				t.Errorf("stderr %q", stderr.String())
			}
		})
	}
}

// TestGoTestCommand checks the real command: go test -json before the
// arguments, so they are go test's flags and packages.
func TestGoTestCommand(t *testing.T) {
	cmd := goTest([]string{"-count=1", "./x"})
	if got := strings.Join(cmd.Args, " "); got != "go test -json -count=1 ./x" {
		t.Errorf("command %q", got)
	}
}
