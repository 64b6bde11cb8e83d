// Package forwarded finds the URL a client used to reach a service, so the
// links the service hands out (a Location header, a URL in a body) are ones
// that client can follow.
//
// A request that comes straight from the client is answered with its own
// scheme and Host. A request from a trusted proxy (the edge) is answered with
// what the proxy forwards, read the way Spring's ForwardedHeaderUtils and
// ForwardedHeaderFilter read it (Spring Framework 5.3 / 6):
//
//   - Forwarded (RFC 7239): the first element's "proto" and "host". When the
//     header is present the X-Forwarded-Host, -Proto and -Port headers are
//     ignored.
//   - Otherwise X-Forwarded-Proto (the first of a comma-separated list),
//     X-Forwarded-Host (the first; may carry a port) and X-Forwarded-Port
//     (the first; replaces the host's port).
//   - A forwarded proto drops the port the request itself came in on: that
//     port is the service's, not the proxy's.
//   - X-Forwarded-Prefix: every comma-separated value, trailing slashes
//     removed, concatenated; it is the path under which the proxy serves the
//     service's root, so the service's path /accounts/1 is
//     <prefix>/accounts/1 for the client.
//   - The default port of the scheme (80 for http, 443 for https) is left out.
//
// The first value of a list is the one the first proxy, the client-facing
// one, wrote. That is only the truth when that proxy drops what clients send
// in these headers; the goblog edge does (support/edge-server). And a service
// honours the headers only from a peer in its trusted networks (Proxies), so
// a client that can reach it directly cannot choose the links it is handed.
//
// No well-kept Go library does this: gorilla/handlers' ProxyHeaders trusts
// every peer, reads neither X-Forwarded-Prefix nor -Port nor Forwarded's host,
// and rewrites the request instead of answering a URL.
package forwarded

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Header names read by Proxies.Origin.
const (
	HeaderForwarded = "Forwarded"
	HeaderHost      = "X-Forwarded-Host"
	HeaderProto     = "X-Forwarded-Proto"
	HeaderPort      = "X-Forwarded-Port"
	HeaderPrefix    = "X-Forwarded-Prefix"
)

// Proxies are the networks whose peers' forwarded headers are honoured.
type Proxies []netip.Prefix

// PrivateNetworks are the peers Tomcat's RemoteIpValve trusts by default
// (Spring Boot's server.tomcat.remoteip.internal-proxies): loopback,
// link-local, the RFC 1918 private ranges, RFC 6598 shared address space
// (100.64.0.0/10) and IPv6 unique-local (RFC 4193) addresses. A goblog
// service is reached only on its Swarm overlay network or on localhost, so
// this is the edge and the landscape's own processes, never a client.
func PrivateNetworks() Proxies {
	return Proxies{
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("fe80::/10"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("fc00::/7"),
	}
}

// Trusts reports whether remoteAddr (an http.Request's RemoteAddr,
// "ip:port") is in one of the networks. An address that does not parse is
// not trusted.
func (p Proxies) Trusts(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap().WithZone("")
	for _, prefix := range p {
		if prefix.Contains(addr) {
			return true
		}
	}
	return false
}

// Origin is where a client reached the service.
type Origin struct {
	// Base is scheme://host[:port][prefix]: no trailing slash, no query.
	Base *url.URL
	// Proxied is true when Base comes from a trusted proxy's headers.
	Proxied bool
}

// URL returns the client's URL of the service's path (escaped, as in
// url.URL.EscapedPath), e.g. Origin.URL("/accounts/10100") is
// "http://localhost:8765/api/accounts/10100" behind the edge.
func (o Origin) URL(escapedPath string) string {
	return o.Base.JoinPath(escapedPath).String()
}

// HeaderError is a forwarded header, or the Host, that cannot be used to
// build a URL.
type HeaderError struct {
	Header, Value, Want string
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("%s %q is not %s", e.Header, e.Value, e.Want)
}

// Origin returns where the client of r reached the service: from the
// forwarded headers when r comes from a trusted peer and carries any, else
// from r's own scheme (https when r.TLS is set) and Host. A malformed value
// is a *HeaderError (the caller answers 400); it never falls back silently.
func (p Proxies) Origin(r *http.Request) (Origin, error) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if !p.Trusts(r.RemoteAddr) || !hasForwarded(r.Header) {
		if err := checkHost(r.Host); err != nil {
			return Origin{}, &HeaderError{Header: "Host", Value: r.Host, Want: "a host[:port]"}
		}
		return Origin{Base: baseURL(scheme, r.Host, "")}, nil
	}
	base, err := fromHeaders(r.Header, scheme, r.Host)
	if err != nil {
		return Origin{}, err
	}
	return Origin{Base: base, Proxied: true}, nil
}

// hasForwarded reports whether h carries any header Origin reads.
func hasForwarded(h http.Header) bool {
	for _, name := range []string{HeaderForwarded, HeaderHost, HeaderProto, HeaderPort, HeaderPrefix} {
		if len(h.Values(name)) > 0 {
			return true
		}
	}
	return false
}

// fromHeaders builds the base URL from the forwarded headers h of a trusted
// peer, scheme and host being the request's own.
func fromHeaders(h http.Header, scheme, host string) (*url.URL, error) {
	var proto, fwdHost, fwdPort string
	protoHeader, hostHeader := HeaderProto, HeaderHost // where they came from, for errors
	if values := h.Values(HeaderForwarded); len(values) > 0 {
		element, err := firstElement(strings.Join(values, ","))
		if err != nil {
			return nil, &HeaderError{Header: HeaderForwarded, Value: strings.Join(values, ","), Want: "an RFC 7239 value (" + err.Error() + ")"}
		}
		proto, fwdHost = element["proto"], element["host"]
		protoHeader, hostHeader = HeaderForwarded+" proto", HeaderForwarded+" host"
	} else {
		proto, fwdHost, fwdPort = first(h, HeaderProto), first(h, HeaderHost), first(h, HeaderPort)
	}

	if proto != "" {
		scheme = strings.ToLower(proto)
		if scheme != "http" && scheme != "https" {
			return nil, &HeaderError{Header: protoHeader, Value: proto, Want: `"http" or "https"`}
		}
	}
	if fwdHost != "" {
		if err := checkHost(fwdHost); err != nil {
			return nil, &HeaderError{Header: hostHeader, Value: fwdHost, Want: "a host[:port]"}
		}
		host = fwdHost
	} else if err := checkHost(host); err != nil {
		return nil, &HeaderError{Header: "Host", Value: host, Want: "a host[:port]"}
	}
	hostname, port := splitHost(host)
	if proto != "" && fwdHost == "" {
		port = "" // the port the request came in on is the service's own
	}
	if fwdPort != "" {
		if n, err := strconv.Atoi(fwdPort); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != fwdPort {
			return nil, &HeaderError{Header: HeaderPort, Value: fwdPort, Want: "a port 1-65535"}
		}
		port = fwdPort
	}
	if port != "" {
		hostname += ":" + port
	}

	prefix, err := joinPrefix(h.Values(HeaderPrefix))
	if err != nil {
		return nil, err
	}
	return baseURL(scheme, hostname, prefix), nil
}

// baseURL joins the parts Origin has checked; the default port is left out.
func baseURL(scheme, host, escapedPrefix string) *url.URL {
	hostname, port := splitHost(host)
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		host = hostname
	}
	u := &url.URL{Scheme: scheme, Host: host}
	if escapedPrefix != "" {
		u = u.JoinPath(escapedPrefix)
	}
	return u
}

// first is the first comma-separated value of header name, white space
// trimmed ("" when absent).
func first(h http.Header, name string) string {
	v, _, _ := strings.Cut(h.Get(name), ",")
	return strings.TrimSpace(v)
}

// joinPrefix concatenates X-Forwarded-Prefix values as Spring does: each
// comma-separated value with its trailing slashes removed. The result is ""
// or an escaped absolute path.
func joinPrefix(values []string) (string, error) {
	var b strings.Builder
	for _, line := range values {
		for v := range strings.SplitSeq(line, ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") || !validPath(v) {
				return "", &HeaderError{Header: HeaderPrefix, Value: v, Want: "an absolute path (/seg/seg, RFC 3986 characters)"}
			}
			b.WriteString(strings.TrimRight(v, "/"))
		}
	}
	return b.String(), nil
}

// validPath reports whether p is made of RFC 3986 path characters: pchar
// (unreserved, percent-encoded, sub-delims, ':' and '@') and '/'.
func validPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case isUnreserved(c), strings.IndexByte("!$&'()*+,;=:@/", c) >= 0:
		case c == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

// checkHost accepts host[:port] where host is a DNS-style name or IPv4
// address (letters, digits, '.', '-', '_', '~') or a bracketed IPv6
// address, and port is 1-65535.
func checkHost(h string) error {
	hostname, port := splitHost(h)
	if port != "" || strings.HasSuffix(h, ":") {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return fmt.Errorf("bad port %q", port)
		}
	}
	if strings.HasPrefix(hostname, "[") {
		if !strings.HasSuffix(hostname, "]") {
			return fmt.Errorf("unclosed IPv6 literal")
		}
		addr, err := netip.ParseAddr(hostname[1 : len(hostname)-1])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return fmt.Errorf("bad IPv6 literal %q", hostname)
		}
		return nil
	}
	if hostname == "" {
		return fmt.Errorf("no host")
	}
	for i := 0; i < len(hostname); i++ {
		if c := hostname[i]; !isUnreserved(c) {
			return fmt.Errorf("bad character %q", c)
		}
	}
	return nil
}

// splitHost splits host[:port]; an IPv6 literal keeps its brackets.
func splitHost(h string) (hostname, port string) {
	i := strings.LastIndexByte(h, ':')
	if i < 0 || strings.LastIndexByte(h, ']') > i {
		return h, ""
	}
	return h[:i], h[i+1:]
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
