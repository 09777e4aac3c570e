package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestWithSearchPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://root@127.0.0.1:5432/test?sslmode=disable", "postgres://root@127.0.0.1:5432/test?search_path=bench_x_api&sslmode=disable"},
		{"postgresql://u:p@h/db", "postgresql://u:p@h/db?search_path=bench_x_api"},
		{"postgres://h/db?search_path=public&pool_max_conns=4", "postgres://h/db?pool_max_conns=4&search_path=bench_x_api"},
	} {
		got, err := withSearchPath(tc.in, "bench_x_api")
		if err != nil {
			t.Errorf("withSearchPath(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("withSearchPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"redis://127.0.0.1:6379/0", "127.0.0.1:5432", "://x"} {
		if _, err := withSearchPath(bad, "s"); err == nil {
			t.Errorf("withSearchPath(%q) accepted a URL that is not postgres://", bad)
		}
	}
}

// The names a run uses must be safe as they are: the schema unquoted in SQL,
// the prefix in a SCAN MATCH pattern (no *, ?, [ or \), and distinct per
// part and per run so a cleanup never reaches anyone else's data.
func TestRunNames(t *testing.T) {
	ident := regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	b := &backend{runID: runID}
	b2 := &backend{runID: runID + "0"}
	for _, part := range []string{"api", "list"} {
		if s := b.schema(part); !ident.MatchString(s) {
			t.Errorf("schema %q is not a plain identifier", s)
		}
		p := b.redisPrefix(part)
		if strings.ContainsAny(p, `*?[]\`) {
			t.Errorf("prefix %q has a glob character", p)
		}
		if !strings.HasPrefix(p, redisRunPrefix(runID)) || strings.HasPrefix(p, redisRunPrefix(b2.runID)) {
			t.Errorf("prefix %q: want it under this run's prefix only", p)
		}
	}
	if b.schema("api") == b.schema("list") || b.redisPrefix("api") == b.redisPrefix("list") {
		t.Error("the parts share a store")
	}
	if strings.HasPrefix(b.redisPrefix("list"), b.redisPrefix("api")) {
		t.Error("one part's prefix is inside the other's")
	}
}

func TestBackendCheck(t *testing.T) {
	ok := []backend{
		{kind: "sqlite"},
		{kind: "redis", redisURL: "redis://127.0.0.1:6379/0"},
		{kind: "postgres", postgresURL: "postgres://root@127.0.0.1:5432/test?sslmode=disable"},
	}
	for _, b := range ok {
		b.runID = "x"
		if err := b.check(); err != nil {
			t.Errorf("%+v: %v", b, err)
		}
	}
	bad := []backend{
		{kind: "mysql"},
		{kind: "redis", redisURL: "postgres://h/db"},
		{kind: "postgres", postgresURL: "redis://h"},
	}
	for _, b := range bad {
		b.runID = "x"
		if err := b.check(); err == nil {
			t.Errorf("%+v accepted", b)
		}
	}
}

func TestServeArgs(t *testing.T) {
	b := &backend{kind: "postgres", postgresURL: "postgres://root@h/test?sslmode=disable", runID: "x"}
	args, err := b.serveArgs("api")
	if err != nil || len(args) != 4 || args[1] != "postgres" || args[2] != "--postgres-url" {
		t.Fatalf("serveArgs = %q, %v", args, err)
	}
	u, err := url.Parse(args[3])
	if err != nil || u.Query().Get("search_path") != "bench_x_api" || u.Query().Get("sslmode") != "disable" {
		t.Errorf("--postgres-url %q: want search_path bench_x_api and sslmode kept", args[3])
	}
	if got, want := connURL("postgres://h/db?pool_max_conns=16&sslmode=disable&pool_min_conns=1"), "postgres://h/db?sslmode=disable"; got != want {
		t.Errorf("connURL = %q, want %q", got, want)
	}
	if got := redactURL("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Errorf("redactURL kept the password: %q", got)
	}
}

func TestParseScenarios(t *testing.T) {
	all, err := parseScenarios(allScenarios)
	if err != nil || all != (scenarios{true, true, true, true, true}) {
		t.Fatalf("default: %+v, %v", all, err)
	}
	if got, err := parseScenarios("all"); err != nil || got != all {
		t.Errorf("all: %+v, %v", got, err)
	}
	got, err := parseScenarios("create, retrieve")
	if err != nil || got != (scenarios{create: true, retrieve: true}) {
		t.Errorf("create,retrieve: %+v, %v", got, err)
	}
	if !got.api() {
		t.Error("create,retrieve needs no server?")
	}
	if got, err := parseScenarios("list"); err != nil || got.api() || !got.list {
		t.Errorf("list: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "retrieve", "page,flow", "create,lists"} {
		if _, err := parseScenarios(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
