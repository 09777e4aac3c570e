package netguard

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ErrInvalidHost is wrapped by every refusal of ParseHost.
var ErrInvalidHost = errors.New("netguard: invalid host")

// hostError is a refusal of ParseHost. Its message says only what is wrong
// with the host, so that a caller can put it after the name of its field.
type hostError struct{ msg string }

func (e *hostError) Error() string { return e.msg }
func (e *hostError) Unwrap() error { return ErrInvalidHost }

func hostErrorf(format string, args ...any) error {
	return &hostError{fmt.Sprintf(format, args...)}
}

// Host is a URL's host and port as ParseHost accepted them, in one
// canonical spelling, so that whatever is built from it (a
// Content-Security-Policy source, a log line) never copies what was sent.
type Host struct {
	// Name is the host in lower case: a DNS name without its trailing dot,
	// a dotted-decimal IPv4 address, or an IPv6 address without brackets
	// in its RFC 5952 form.
	Name string
	// IP is the address when the host is an IP literal, else the zero Addr.
	IP netip.Addr
	// Port is the port in decimal without leading zeros, or "" for none.
	Port string
}

// ParseHost checks the host[:port] of a URL (url.URL.Host) that is handed
// to browsers, such as a merchant's redirect URL. The host must be a DNS
// name whose labels are ASCII letters, digits and hyphens (internationalised
// names in their xn-- form; one trailing dot allowed), an IPv4 address in
// dotted decimal, or an IPv6 address in brackets without a zone. The port,
// if any, must be digits in 1–65535; an empty port is no port, as in URLs.
//
// The name rules are CheckURL's, less the underscore it allows for
// docker-compose service names: no browser-facing host needs one, and a
// Content-Security-Policy source cannot hold one. It applies no address
// policy (localhost and private addresses pass): a browser, not this
// server, goes there. Refusals wrap ErrInvalidHost.
func ParseHost(hostport string) (Host, error) {
	host, port, bracketed, err := splitHostPort(hostport)
	if err != nil {
		return Host{}, err
	}
	h, err := parseHost(host, bracketed, false)
	if err != nil {
		return Host{}, hostErrorf("%v", err)
	}
	switch {
	case bracketed:
		if h.ip.Zone() != "" {
			return Host{}, hostErrorf("[%s] has a zone, which means nothing outside this machine", host)
		}
		return Host{Name: h.ip.String(), IP: h.ip, Port: port}, nil
	case h.v4 != nil:
		if err := canonicalIPv4(strings.ToLower(host), h.name, h.v4); err != nil {
			return Host{}, hostErrorf("%v", err)
		}
		return Host{Name: h.name, IP: h.v4[0], Port: port}, nil
	}
	return Host{Name: h.name, Port: port}, nil
}

// splitHostPort splits a URL's host[:port], checking the port and the
// brackets around an IPv6 address.
func splitHostPort(hostport string) (host, port string, bracketed bool, err error) {
	host = hostport
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", "", false, hostErrorf("%q has no closing ]", hostport)
		}
		host, port, bracketed = host[1:end], host[end+1:], true
		if port != "" && port[0] != ':' {
			return "", "", false, hostErrorf("%q has characters after ]", hostport)
		}
		port = strings.TrimPrefix(port, ":")
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host, port = host[:i], host[i+1:]
	}
	if port == "" {
		return host, "", bracketed, nil
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return "", "", false, hostErrorf("port %q is not a number", port)
		}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", "", false, hostErrorf("port %q is not in 1–65535", port)
	}
	return host, strconv.Itoa(n), bracketed, nil
}
