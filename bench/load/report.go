package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// mean is the mean latency of the counted requests.
func (r *result) mean() time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range r.lat {
		sum += d
	}
	return sum / time.Duration(len(r.lat))
}

// ms formats a duration in milliseconds with three decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }

// bareRPS is the baseline's rate over all its slices: the reference of the
// figures measured without slices of their own (the payment flow, lists).
func (rep *report) bareRPS() float64 {
	return combine("bare", rep.bare).rps()
}

// bareRange is the slowest and the fastest bare slice, req/s.
func (rep *report) bareRange() (lo, hi float64) {
	for i, r := range rep.bare {
		if i == 0 || r.rps() < lo {
			lo = r.rps()
		}
		hi = max(hi, r.rps())
	}
	return lo, hi
}

// vsBare is r's rate as a share of the baseline's: the median of its paired
// rounds when it was measured in rounds, else against all the bare slices.
func (rep *report) vsBare(r *result) float64 {
	if len(r.ratios) > 0 {
		return r.ratio()
	}
	return r.rps() / rep.bareRPS()
}

// ratioText is r's ratio to the baseline with the range of its rounds.
func ratioText(r *result) string {
	lo, hi := slices.Min(r.ratios), slices.Max(r.ratios)
	return fmt.Sprintf("%.3f (rounds %.3f–%.3f)", r.ratio(), lo, hi)
}

type target struct {
	what, want, got string
	pass            bool
	note            string
}

// noTarget is the want of a figure that is only reported.
const noTarget = "—"

func verdict(t target) string {
	if t.want == noTarget {
		return "no target"
	}
	if t.pass {
		return "PASS"
	}
	return "MISS"
}

func (rep *report) targets() []target {
	var ts []target
	clean := func(rs ...*result) (bool, string) {
		for _, r := range rs {
			if r.errors() > 0 {
				return false, fmt.Sprintf("%s had %d errors", r.name, r.errors())
			}
		}
		return true, ""
	}
	// The SQLite targets are the core issue's; issue 5 sets the create
	// targets of the other stores, and no other.
	sqliteOnly := func(note string) string {
		if rep.cfg.store == "sqlite" {
			return note
		}
		return strings.TrimLeft(note+"; a SQLite target, shown for comparison", "; ")
	}
	if rep.create != nil {
		ok, note := clean(rep.create)
		ratio := rep.create.ratio()
		want := createTarget(rep.cfg.store)
		ts = append(ts, target{fmt.Sprintf("create req/s ÷ bare req/s (%s)", rep.cfg.store), fmt.Sprintf("≥ %g", want),
			ratioText(rep.create), ok && ratio >= want, note})
		p99 := rep.create.pct(.99)
		t := target{fmt.Sprintf("create p99 at %d conns", rep.cfg.conns), "≤ 10 ms", ms(p99), ok && p99 <= 10*time.Millisecond, note}
		if rep.cfg.conns != 16 {
			t.note = strings.TrimLeft(t.note+"; the target is defined at 16 conns", "; ")
		}
		t.note = sqliteOnly(t.note)
		ts = append(ts, t)
	}
	if rep.retrieve != nil {
		ok, note := clean(rep.retrieve)
		ratio := rep.retrieve.ratio()
		ts = append(ts, target{"retrieve req/s ÷ bare req/s", "≥ 0.6", ratioText(rep.retrieve), ok && ratio >= 0.6, sqliteOnly(note)})
	}
	if rep.page != nil {
		_, note := clean(rep.page)
		ts = append(ts,
			target{what: "page render req/s ÷ bare req/s", want: noTarget, got: ratioText(rep.page), note: note},
			target{what: fmt.Sprintf("page render p99 at %d conns", rep.cfg.conns), want: noTarget, got: ms(rep.page.pct(.99)), note: note})
	}
	if rep.flow != nil {
		f := rep.flow.flow
		_, note := clean(f)
		ts = append(ts,
			target{what: "payment flows/s ÷ bare req/s", want: noTarget, got: fmt.Sprintf("%.3f", f.rps()/rep.bareRPS()), note: note},
			target{what: fmt.Sprintf("payment flow p99 at %d conns", rep.cfg.conns), want: noTarget, got: ms(f.pct(.99)), note: note})
	}
	if len(rep.lists) == 2 {
		s, b := rep.lists[0], rep.lists[1]
		for _, pg := range []struct {
			name      string
			small, bg *result
		}{{"first page", s.first, b.first}, {"page 2 (starting_after)", s.second, b.second}} {
			ok, note := clean(pg.small, pg.bg)
			for _, q := range []struct {
				name string
				q    float64
			}{{"p50", .50}, {"p99", .99}} {
				ratio := float64(pg.bg.pct(q.q)) / float64(pg.small.pct(q.q))
				ts = append(ts, target{
					fmt.Sprintf("list %s %s: @%s ÷ @%s", pg.name, q.name, sizeLabel(b.size), sizeLabel(s.size)),
					"≤ 1.5", fmt.Sprintf("%.3f", ratio), ok && ratio <= 1.5, note})
			}
		}
	}
	return ts
}

// createTarget is the least create req/s ÷ bare req/s wanted over a store:
// SQLite's from the core issue, Redis' and PostgreSQL's from issue 5.
func createTarget(store string) float64 {
	switch store {
	case "redis":
		return 0.5
	case "postgres":
		return 0.3
	}
	return 0.35
}

func (rep *report) write(out io.Writer) {
	w := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	c := rep.cfg
	args := strings.Join(os.Args[1:], " ")
	w("### Run of %s", rep.started.Format(time.RFC3339))
	w("")
	w("- command: `go run ./bench/load %s`", strings.TrimSpace(args))
	stores := fmt.Sprintf("list stores of %d and %d sessions", c.small, c.big)
	if c.big == 0 {
		stores = fmt.Sprintf("list store of %d sessions (-big 0)", c.small)
	}
	if !c.only.list {
		stores = "no list store (-scenarios)"
	}
	w("- settings: %d conns (closed loop, one keep-alive connection each), %s warm-up + %s measured per scenario, %s",
		c.conns, c.warmup, c.duration, stores)
	w("- store: %s", c.store)
	for _, s := range rep.stores {
		w("  - %s", s)
	}
	w("- scenarios: %s", c.scenarioList)
	for _, e := range rep.env {
		w("- %s", e)
	}
	w("- client and servers share this machine: the load generator's CPU is part of every number")
	w("")

	bare := rep.bareRPS()
	w("| scenario | requests | ok | unexpected | transport errors | req/s (ok) | p50 | p99 | max | req/s ÷ bare |")
	w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	row := func(r *result, label string) {
		if r == nil {
			return
		}
		ratio := "—" // no bare slice ran (-scenarios list)
		if v := rep.vsBare(r); !math.IsInf(v, 0) && !math.IsNaN(v) {
			ratio = fmt.Sprintf("%.3f", v)
		}
		w("| %s | %d | %d | %d | %d | %.0f | %s | %s | %s | %s |", label, r.requests(), r.ok, r.unexpected, r.transport,
			r.rps(), ms(r.pct(.50)), ms(r.pct(.99)), ms(r.pct(1)), ratio)
	}
	if len(rep.bare) > 0 {
		row(combine("bare", rep.bare), fmt.Sprintf("(a) bare net/http, all %d slices", len(rep.bare)))
	}
	row(rep.create, "(b) POST /v1/checkout/sessions")
	row(rep.idem, "(b') POST /v1/checkout/sessions + Idempotency-Key")
	row(rep.retrieve, "(c) GET /v1/checkout/sessions/{id}")
	row(rep.page, "(e) GET /checkout/{id} (page, gzip)")
	for _, l := range rep.lists {
		row(l.first, fmt.Sprintf("(d) GET …/sessions?limit=10 @%s", sizeLabel(l.size)))
		row(l.second, fmt.Sprintf("(d) GET …/sessions?limit=10&starting_after=… @%s", sizeLabel(l.size)))
	}
	w("")
	if lo, hi := rep.bareRange(); len(rep.bare) > 0 {
		w("Each of (b), (c) and (e) ran in %d rounds, each round a slice of the bare server (the answer is %d bytes) and then an"+
			" equal slice of the scenario; its ratio is the median of the rounds' ratios. The bare slices ranged from %.0f to %.0f req/s"+
			" (%.0f%% apart): that is the drift of this machine during the run, which the pairing cancels. Lists and the payment flow are"+
			" compared with all the bare slices together (%.0f req/s).", rep.cfg.rounds, len(bareBody), lo, hi, 100*(1-lo/max(hi, 1)), bare)
	}
	rep.writeCPU(w)
	w("")
	w("ok: the expected status (2xx for the API and the bare server, 200 gzip-encoded HTML for the page, a 303 to success_url for the payment) and, where checked," +
		" the expected answer; anything else is unexpected, an error and never throughput.")
	if rep.page != nil {
		ps := rep.pageSize
		w("")
		w("The hosted page of an open session is %d bytes, %d gzip-encoded (%.0f%%; inflated again: %d bytes); (e) read %.0f bytes per"+
			" page on average, i.e. %.1f MB/s of compressed HTML.", ps.plain, ps.gzipped, 100*float64(ps.gzipped)/float64(ps.plain),
			ps.inflated, float64(rep.page.bytes)/float64(max(rep.page.ok, 1)), float64(rep.page.bytes)/rep.page.elapsed.Seconds()/1e6)
	}
	if fr := rep.flow; fr != nil {
		f := fr.flow
		w("")
		w("(f) payment flow, closed loop per conn: create a session (API, JSON) → GET its page (gzip) → inflate it and take the card" +
			" form's action and csrf_token → POST the form with 4242 4242 4242 4242 → expect a 303 to the session's success_url." +
			" A flow is ok only if every step is; a failed step ends the flow.")
		w("")
		w("| (f) payment flow | count | ok | unexpected | transport errors | per s (ok) | p50 | p99 | max | mean | per s ÷ bare |")
		w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		frow := func(r *result, label string) {
			w("| %s | %d | %d | %d | %d | %.0f | %s | %s | %s | %s | %.3f |", label, r.requests(), r.ok, r.unexpected, r.transport,
				r.rps(), ms(r.pct(.50)), ms(r.pct(.99)), ms(r.pct(1)), ms(r.mean()), r.rps()/bare)
		}
		frow(f, "whole flow (flows)")
		for k, label := range [nSteps]string{"1. POST /v1/checkout/sessions", "2. GET /checkout/{id} (gzip)", "3. POST /checkout/{id}/pay (303)"} {
			frow(fr.steps[k], label)
		}
		if n := f.requests(); n > 0 {
			var sum time.Duration
			for _, d := range f.lat {
				sum += d
			}
			parts := make([]string, 0, nSteps+1)
			for k, r := range fr.steps {
				var t time.Duration
				for _, d := range r.lat {
					t += d
				}
				parts = append(parts, fmt.Sprintf("%s %.1f%%", stepNames[k], 100*float64(t)/float64(sum)))
			}
			parts = append(parts, fmt.Sprintf("client between steps (inflating, parsing the page, building the form) %.1f%%",
				100*float64(fr.client)/float64(sum)))
			w("")
			w("Share of the flows' total time: %s. Each flow is 3 requests: %.0f requests/s (%.3f × bare).",
				strings.Join(parts, ", "), 3*f.rps(), 3*f.rps()/bare)
		}
	}

	var errs []string
	var flowRes []*result
	if rep.flow != nil {
		flowRes = append([]*result{rep.flow.flow}, rep.flow.steps[:]...)
	}
	for _, r := range slices.Concat(rep.bare, []*result{rep.create, rep.idem, rep.retrieve, rep.page}, flowRes) {
		if r != nil && r.errors() > 0 {
			errs = append(errs, describeErrors(r))
		}
	}
	for _, l := range rep.lists {
		for _, r := range []*result{l.first, l.second} {
			if r.errors() > 0 {
				errs = append(errs, describeErrors(r))
			}
		}
	}
	if len(errs) > 0 {
		w("")
		w("Errors:")
		for _, e := range errs {
			w("- %s", e)
		}
	}

	if len(rep.lists) > 0 {
		w("")
		w("| list store | seeding took | seeding rate | first page p50 / p99 | page 2 p50 / p99 |")
		w("|---|---:|---:|---:|---:|")
		prev := 0
		for _, l := range rep.lists {
			n := l.size - prev
			prev = l.size
			w("| %d sessions (+%d seeded) | %s | %.0f /s | %s / %s | %s / %s |", l.size, n, l.seedTook.Round(time.Millisecond),
				float64(n)/l.seedTook.Seconds(), ms(l.first.pct(.5)), ms(l.first.pct(.99)), ms(l.second.pct(.5)), ms(l.second.pct(.99)))
		}
	}

	w("")
	w("| target | want | got | |")
	w("|---|---|---:|---|")
	for _, t := range rep.targets() {
		v := verdict(t)
		if t.note != "" {
			v += " (" + t.note + ")"
		}
		w("| %s | %s | %s | %s |", t.what, t.want, t.got, v)
	}
	if !c.only.list {
		w("| list @1M ÷ @10k | ≤ 1.5 | not measured (-scenarios) | |")
	} else if c.big == 0 {
		w("| list @1M ÷ @10k | ≤ 1.5 | not measured (-big 0) | |")
	}
	if len(rep.notes) > 0 {
		w("")
		for _, n := range rep.notes {
			w("- %s", n)
		}
	}
}

func describeErrors(r *result) string {
	var parts []string
	if r.transport > 0 {
		parts = append(parts, fmt.Sprintf("%d transport", r.transport))
	}
	codes := make([]int, 0, len(r.statuses))
	for k := range r.statuses {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	for _, k := range codes {
		parts = append(parts, fmt.Sprintf("%d × %d", r.statuses[k], k))
	}
	s := r.name + ": " + strings.Join(parts, ", ")
	if len(r.samples) > 0 {
		s += "; e.g. `" + strings.Join(r.samples, "` `") + "`"
	}
	return s
}

// writeCPU writes the CPU time each server and the load generator spent per
// ok request, where it was measured. Unlike req/s, CPU per request hardly
// moves when other tenants slow the machine down, so it is the steadier
// figure to compare two versions of the code by.
func (rep *report) writeCPU(w func(string, ...any)) {
	type row struct {
		r     *result
		label string
	}
	rows := []row{{rep.create, "(b) create"}, {rep.idem, "(b') create + Idempotency-Key"}, {rep.retrieve, "(c) retrieve"}, {rep.page, "(e) page"}}
	for _, l := range rep.lists {
		rows = append(rows, row{l.first, "(d) list @" + sizeLabel(l.size)}, row{l.second, "(d) list page 2 @" + sizeLabel(l.size)})
	}
	bareServer, bareClient, ok := combine("bare", rep.bare).cpuPerOK()
	if !ok {
		return
	}
	w("")
	w("CPU time per ok request, read from /proc for the measured windows only (10 ms ticks):")
	w("")
	w("| scenario | server | load generator | server ÷ bare server |")
	w("|---|---:|---:|---:|")
	w("| (a) bare net/http | %s | %s | 1.00 |", us(bareServer), us(bareClient))
	for _, row := range rows {
		if row.r == nil {
			continue
		}
		if server, client, ok := row.r.cpuPerOK(); ok {
			w("| %s | %s | %s | %.2f |", row.label, us(server), us(client), float64(server)/float64(max(bareServer, 1)))
		}
	}
}
