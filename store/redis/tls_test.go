package redis_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/internal/testtls"
	"github.com/checkoutd/checkoutd/store/redis"
)

// tlsRedis starts a redis-server of the test's own that speaks only TLS
// on loopback, with a certificate the CA signs for 127.0.0.1, and returns
// it (its url is rediss://). Without redis-server the test is skipped,
// or on CI fails, as the restart test is.
func tlsRedis(t *testing.T, ctx context.Context, ca *testtls.CA) *redisServer {
	t.Helper()
	bin := redisServerBin(t)
	dir := t.TempDir()
	cert, key := ca.Server(t, dir, "redis")
	srv := newRedisServer(t, bin, "--save", "", "--appendonly", "no",
		"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca.WriteFile(t, dir), "--tls-auth-clients", "no")
	srv.tls = &tls.Config{RootCAs: ca.Pool(), ServerName: "127.0.0.1"}
	srv.start(ctx)
	return srv
}

// TestTLS: a rediss:// URL connects with the server's certificate
// verified: against the CA given as RootCAs (a private CA), else the
// system's; a server whose certificate that CA did not sign, or that is
// not for the URL's host, is refused with an error naming the problem,
// and the verification cannot be turned off.
func TestTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ca := testtls.NewCA(t, "private-ca")
	srv := tlsRedis(t, ctx, ca)

	t.Run("connects_with_the_private_CA", func(t *testing.T) {
		s, err := redis.Open(ctx, srv.url(), redis.Options{RootCAs: ca.Pool()})
		if err != nil {
			t.Fatalf("Open %s with the CA: %v", srv.url(), err)
		}
		defer s.Close()
		sess := fullSession(time.Now())
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindSession(ctx, sess.ID)
		if err != nil || got.ID != sess.ID || got.AmountTotal != sess.AmountTotal {
			t.Fatalf("FindSession over TLS: %+v, %v", got, err)
		}
	})

	refused := func(t *testing.T, url string, opts redis.Options, says ...string) {
		t.Helper()
		s, err := redis.Open(ctx, url, opts)
		if err == nil {
			s.Close()
			t.Fatalf("Open %s connected; want it refused", url)
		}
		for _, w := range says {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Open %s: %v\nwant it to say %q", url, err, w)
			}
		}
	}

	t.Run("without_the_CA_the_system_roots_refuse_it", func(t *testing.T) {
		refused(t, srv.url(), redis.Options{}, "x509: certificate signed by unknown authority", "not signed by a CA this store trusts")
	})

	t.Run("refuses_a_server_the_CA_did_not_sign", func(t *testing.T) {
		other := tlsRedis(t, ctx, testtls.NewCA(t, "other-ca"))
		refused(t, other.url(), redis.Options{RootCAs: ca.Pool()}, "x509: certificate signed by unknown authority", "not signed by a CA this store trusts")
	})

	t.Run("refuses_a_certificate_for_another_host", func(t *testing.T) {
		// The certificate names 127.0.0.1 and ::1 only, not "localhost".
		url := strings.Replace(srv.url(), "127.0.0.1", "localhost", 1)
		refused(t, url, redis.Options{RootCAs: ca.Pool()}, "x509: certificate", `not for the URL's host "localhost"`)
	})

	t.Run("skip_verify_is_refused", func(t *testing.T) {
		refused(t, srv.url()+"?skip_verify=true", redis.Options{}, "skip_verify", "RootCAs")
	})

	t.Run("a_CA_without_TLS_is_refused", func(t *testing.T) {
		plain := newRedisServer(t, redisServerBin(t), "--save", "", "--appendonly", "no")
		plain.start(ctx)
		refused(t, plain.url(), redis.Options{RootCAs: ca.Pool()}, "rediss://")
	})
}
