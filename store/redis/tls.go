package redis

import (
	"crypto/x509"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// configureTLS makes a rediss:// connection verify the server's
// certificate against roots (the system's when nil). Managed Redis
// services (seed 000 runs on Upstash) speak only TLS, and a store that
// accepted any certificate would hand its sessions, and the API keys'
// hashes, to whoever sits on the path; so there is no way to turn the
// verification off: the URL's skip_verify is refused, and a private CA is
// given as roots instead.
func configureTLS(o *goredis.Options, roots *x509.CertPool) error {
	if o.TLSConfig == nil {
		if roots != nil {
			return errors.New("redis: a CA is given (Options.RootCAs) but the URL is not rediss://, so the connection would not use TLS: use rediss://")
		}
		return nil
	}
	if o.TLSConfig.InsecureSkipVerify {
		return errors.New("redis: the URL's skip_verify=true would accept any server's certificate: remove it, and give the CA that signs the server's certificate instead (Options.RootCAs)")
	}
	o.TLSConfig.RootCAs = roots
	return nil
}

// certificateHint says what to do about a connection refused for the
// server's certificate, or "" when err is not that.
func certificateHint(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return "the server's certificate is not signed by a CA this store trusts (the system's, or the one given)"
	case errors.As(err, &host):
		return fmt.Sprintf("the server's certificate is not for the URL's host %q", host.Host)
	case errors.As(err, &invalid):
		return "the server's certificate is not valid (expired, not yet valid, or not for a server)"
	}
	return ""
}
