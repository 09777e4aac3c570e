package redis_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestCheckDurable runs CheckDurable against redis-servers of the test's
// own: it accepts only the append-only file with noeviction, names the
// setting that is wrong and what to set, reads CONFIG when INFO is
// disabled, and refuses when it can read neither.
func TestCheckDurable(t *testing.T) {
	bin := redisServerBin(t)
	for _, c := range []struct {
		name     string
		settings []string
		says     []string // nil: accepted
	}{
		{"aof_noeviction", []string{"--appendonly", "yes", "--maxmemory-policy", "noeviction"}, nil},
		{"aof_noeviction_info_disabled", []string{"--appendonly", "yes", "--maxmemory-policy", "noeviction", "--rename-command", "INFO", ""}, nil},
		{"no_aof", []string{"--appendonly", "no", "--save", "60 1"}, []string{"appendonly no", "appendonly yes"}},
		{"no_aof_info_disabled", []string{"--appendonly", "no", "--rename-command", "INFO", ""}, []string{"appendonly no", "appendonly yes"}},
		{"allkeys_lru", []string{"--appendonly", "yes", "--maxmemory-policy", "allkeys-lru"}, []string{"maxmemory-policy allkeys-lru", "noeviction"}},
		{"volatile_lfu", []string{"--appendonly", "yes", "--maxmemory-policy", "volatile-lfu"}, []string{"maxmemory-policy volatile-lfu", "noeviction"}},
		{"both", []string{"--appendonly", "no", "--maxmemory-policy", "allkeys-random"}, []string{"appendonly no", "allkeys-random"}},
		{"unreadable", []string{"--appendonly", "yes", "--rename-command", "INFO", "", "--rename-command", "CONFIG", ""}, []string{"cannot read"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			settings := c.settings
			if !strings.Contains(strings.Join(settings, " "), "--save") {
				settings = append(settings, "--save", "")
			}
			srv := newRedisServer(t, bin, settings...)
			srv.start(ctx)
			s := openRedis(t, ctx, srv.url())
			defer s.Close()
			err := s.CheckDurable(ctx)
			if c.says == nil {
				if err != nil {
					t.Fatalf("CheckDurable: %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckDurable accepted %q", c.settings)
			}
			for _, w := range c.says {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("CheckDurable: %q does not mention %q", err, w)
				}
			}
		})
	}
}
