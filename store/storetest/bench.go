package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// The store benchmarks, one body for every backend so their figures compare.
// Each backend wraps them in its own Benchmark functions:
//
//	func BenchmarkCreateSession(b *testing.B) { storetest.BenchCreateSession(b, mustOpen(b)) }

// benchSession is a session as the benchmarks store it: with a customer
// email, so the email filter has an index to use.
func benchSession(id string) *checkout.Session {
	s := newSession(scopeA, id, t0)
	s.CustomerEmail = "ama@example.com"
	s.Metadata = map[string]string{"order": id}
	return s
}

func benchID(i int64) string { return fmt.Sprintf("cs_%09d", i) }

// BenchCreateSession creates sessions from b's parallel goroutines.
func BenchCreateSession(b *testing.B, st checkout.Store) {
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := st.CreateSession(b.Context(), benchSession(benchID(n.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchGetSession reads sessions by id, from b's parallel goroutines, out of
// 10 000 stored.
func BenchGetSession(b *testing.B, st checkout.Store) {
	const stored = 10000
	fill(b, st, stored)
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := st.GetSession(b.Context(), scopeA, benchID(n.Add(1)%stored)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchListSessions pages through stores of growing size, each from open:
// the cost of a page should not grow with the number of stored sessions.
func BenchListSessions(b *testing.B, open func(b *testing.B) checkout.Store, sizes ...int) {
	if len(sizes) == 0 {
		sizes = []int{1000, 10000, 100000}
	}
	for _, stored := range sizes {
		b.Run(fmt.Sprint(stored), func(b *testing.B) {
			st := open(b)
			fill(b, st, stored)
			mid := benchID(int64(stored / 2))
			for _, bc := range []struct {
				name string
				f    checkout.SessionFilter
			}{
				{"first", checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10}}},
				{"middle", checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10, StartingAfter: mid}}},
				{"ending_before", checkout.SessionFilter{ListParams: checkout.ListParams{Limit: 10, EndingBefore: mid}}},
				{"open", checkout.SessionFilter{Now: t0, Status: checkout.SessionOpen, ListParams: checkout.ListParams{Limit: 10}}},
				{"email", checkout.SessionFilter{CustomerEmail: "ama@example.com", ListParams: checkout.ListParams{Limit: 10}}},
			} {
				b.Run(bc.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						p, err := st.ListSessions(b.Context(), scopeA, bc.f)
						if err != nil || len(p.Items) != 10 {
							b.Fatalf("ListSessions: %d items, %v", len(p.Items), err)
						}
					}
				})
			}
		})
	}
}

// fill stores n sessions, cs_000000000 to cs_<n-1>, from a few writers.
func fill(b *testing.B, st checkout.Store, n int) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				if err := st.CreateSession(b.Context(), benchSession(benchID(i))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
