package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// CheckDurable reports whether the server keeps what it is told, as the
// package documentation (Durability) says it must for money: the
// append-only file on (appendonly yes) and maxmemory-policy noeviction. The
// error names each setting that is wrong and what to set instead, or says
// that the settings cannot be read.
//
// It reads INFO persistence and INFO memory, and falls back on CONFIG GET
// when INFO is refused; managed services often disable one of them (CONFIG
// more often), and a server that hides both cannot be shown to be durable.
func (s *Store) CheckDurable(ctx context.Context) error {
	aof, policy, err := s.infoSettings(ctx)
	if err != nil {
		var cerr error
		aof, policy, cerr = s.configSettings(ctx)
		if cerr != nil {
			return fmt.Errorf("redis: cannot read its persistence settings (INFO: %v; CONFIG GET: %v), so it cannot be shown to keep what it is told", err, cerr)
		}
	}
	var problems []string
	if aof != "yes" {
		problems = append(problems, "appendonly "+aof+": a restart of Redis loses every session, payment and pending webhook written since the last snapshot; set appendonly yes")
	}
	if policy != "noeviction" {
		problems = append(problems, "maxmemory-policy "+policy+": a full Redis would silently drop sessions, indexes and queued work; set maxmemory-policy noeviction")
	}
	if len(problems) > 0 {
		return errors.New("redis: " + strings.Join(problems, "; "))
	}
	return nil
}

// infoSettings reads appendonly ("yes" or "no") and maxmemory-policy from
// INFO.
func (s *Store) infoSettings(ctx context.Context) (aof, policy string, err error) {
	fields := map[string]string{}
	for _, section := range []string{"persistence", "memory"} {
		text, err := s.c.Info(ctx, section).Result()
		if err != nil {
			return "", "", err
		}
		for line := range strings.Lines(text) {
			if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
				fields[k] = v
			}
		}
	}
	switch fields["aof_enabled"] {
	case "1":
		aof = "yes"
	case "0":
		aof = "no"
	default:
		return "", "", errors.New("no aof_enabled in INFO persistence")
	}
	if policy = fields["maxmemory_policy"]; policy == "" {
		return "", "", errors.New("no maxmemory_policy in INFO memory")
	}
	return aof, policy, nil
}

// configSettings reads the same two settings with CONFIG GET.
func (s *Store) configSettings(ctx context.Context) (aof, policy string, err error) {
	get := func(name string) (string, error) {
		m, err := s.c.ConfigGet(ctx, name).Result()
		if err != nil {
			return "", err
		}
		v, ok := m[name]
		if !ok || v == "" {
			return "", fmt.Errorf("no %s in CONFIG GET", name)
		}
		return v, nil
	}
	if aof, err = get("appendonly"); err != nil {
		return "", "", err
	}
	if policy, err = get("maxmemory-policy"); err != nil {
		return "", "", err
	}
	return aof, policy, nil
}
