package forwarded

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

const (
	edgePeer   = "10.0.1.7:41234" // on the overlay network
	publicPeer = "203.0.113.9:5555"
)

// request is a GET /accounts/10000 from peer with Host host and headers h
// (pairs of name, value; a name may repeat).
func request(peer, host string, h ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/accounts/10000", nil)
	r.RemoteAddr = peer
	r.Host = host
	for i := 0; i+1 < len(h); i += 2 {
		r.Header.Add(h[i], h[i+1])
	}
	return r
}

func TestOrigin(t *testing.T) {
	cases := []struct {
		name    string
		r       *http.Request
		want    string // Origin.Base; "" when an error is expected
		proxied bool
		errOn   string // the header the error names
	}{
		// Straight from the client: its own Host.
		{"direct", request(publicPeer, "localhost:6767"), "http://localhost:6767", false, ""},
		{"direct, default port left out", request(publicPeer, "example.com:80"), "http://example.com", false, ""},
		{"direct IPv6", request("[::1]:5000", "[::1]:6767"), "http://[::1]:6767", false, ""},
		{"trusted peer without forwarded headers is direct", request(edgePeer, "accountservice:6767"), "http://accountservice:6767", false, ""},

		// What Zuul sends (zuul.add-proxy-headers, the /api prefix stripped).
		{"the edge", request(edgePeer, "accountservice:6767",
			HeaderHost, "localhost:8765", HeaderPort, "8765", HeaderProto, "http", HeaderPrefix, "/api"),
			"http://localhost:8765/api", true, ""},
		{"the edge on the default port", request(edgePeer, "accountservice:6767",
			HeaderHost, "goblog.example", HeaderPort, "443", HeaderProto, "https", HeaderPrefix, "/api"),
			"https://goblog.example/api", true, ""},
		{"X-Forwarded-Port replaces the host's port", request(edgePeer, "a:6767",
			HeaderHost, "edge:8765", HeaderPort, "9000"), "http://edge:9000", true, ""},
		{"proto alone drops the service's port", request(edgePeer, "accountservice:6767",
			HeaderProto, "HTTPS"), "https://accountservice", true, ""},
		{"host alone keeps the request's scheme", request(edgePeer, "a:6767",
			HeaderHost, "edge.example"), "http://edge.example", true, ""},
		{"lists: the first value, the client-facing proxy's", request(edgePeer, "a:6767",
			HeaderHost, "front.example, inner:8765", HeaderProto, "https,http", HeaderPort, "8443, 8765"),
			"https://front.example:8443", true, ""},
		{"prefix alone", request("127.0.0.1:5000", "localhost:6767", HeaderPrefix, "/api/"), "http://localhost:6767/api", true, ""},
		{"prefixes concatenate, trailing slashes dropped", request(edgePeer, "a:6767",
			HeaderPrefix, "/outer/, /api//", HeaderPrefix, "/v1"), "http://a:6767/outer/api/v1", true, ""},
		{"escaped prefix kept escaped", request(edgePeer, "a:6767", HeaderPrefix, "/a%20b"), "http://a:6767/a%20b", true, ""},

		// RFC 7239 Forwarded wins over X-Forwarded-*.
		{"Forwarded", request(edgePeer, "a:6767",
			HeaderForwarded, `for=192.0.2.60;proto=https;host=shop.example;by=203.0.113.43`), "https://shop.example", true, ""},
		{"Forwarded first element, quoted IPv6 host", request(edgePeer, "a:6767",
			HeaderForwarded, `For="[2001:db8:cafe::17]:4711";Host="[2001:db8::1]:8443", for=10.0.0.1;host=inner`),
			"http://[2001:db8::1]:8443", true, ""},
		{"Forwarded over X-Forwarded-Host", request(edgePeer, "a:6767",
			HeaderForwarded, "host=one.example", HeaderHost, "two.example", HeaderPrefix, "/api"),
			"http://one.example/api", true, ""},
		{"Forwarded on two lines: two elements, the first counts", request(edgePeer, "a:6767",
			HeaderForwarded, "for=192.0.2.1;host=front", HeaderForwarded, "proto=https"), "http://front", true, ""},
		{"Forwarded without proto or host: the request's own", request(edgePeer, "a:6767",
			HeaderForwarded, "for=unknown"), "http://a:6767", true, ""},

		// Never from an untrusted peer: a client cannot choose its links.
		{"untrusted peer's headers ignored", request(publicPeer, "localhost:8765",
			HeaderHost, "evil.example", HeaderProto, "https", HeaderPrefix, "/phish", HeaderForwarded, "host=evil.example"),
			"http://localhost:8765", false, ""},
		{"unparseable peer is untrusted", request("@", "localhost:6767", HeaderHost, "evil.example"),
			"http://localhost:6767", false, ""},

		// Malformed values from a trusted peer: an error naming the header.
		{"proto not http(s)", request(edgePeer, "a", HeaderProto, "javascript"), "", false, HeaderProto},
		{"host with a path", request(edgePeer, "a", HeaderHost, "evil.example/x"), "", false, HeaderHost},
		{"host with user info", request(edgePeer, "a", HeaderHost, "user@evil.example"), "", false, HeaderHost},
		{"host with a bad port", request(edgePeer, "a", HeaderHost, "a:99999"), "", false, HeaderHost},
		{"host with an empty port", request(edgePeer, "a", HeaderHost, "a:"), "", false, HeaderHost},
		{"bare IPv6 host", request(edgePeer, "a", HeaderHost, "::1"), "", false, HeaderHost},
		{"port not a number", request(edgePeer, "a", HeaderPort, "80a"), "", false, HeaderPort},
		{"port zero", request(edgePeer, "a", HeaderPort, "0"), "", false, HeaderPort},
		{"port with leading zero", request(edgePeer, "a", HeaderPort, "080"), "", false, HeaderPort},
		{"relative prefix", request(edgePeer, "a", HeaderPrefix, "api"), "", false, HeaderPrefix},
		{"prefix that is an authority", request(edgePeer, "a", HeaderPrefix, "//evil.example"), "", false, HeaderPrefix},
		{"prefix with a query", request(edgePeer, "a", HeaderPrefix, "/api?x=1"), "", false, HeaderPrefix},
		{"prefix with a bad escape", request(edgePeer, "a", HeaderPrefix, "/a%zz"), "", false, HeaderPrefix},
		{"Forwarded malformed", request(edgePeer, "a", HeaderForwarded, "host"), "", false, HeaderForwarded},
		{"Forwarded parameter twice", request(edgePeer, "a", HeaderForwarded, "host=a;host=b"), "", false, HeaderForwarded},
		{"Forwarded unterminated quote", request(edgePeer, "a", HeaderForwarded, `host="a`), "", false, HeaderForwarded},
		{"Forwarded bad proto", request(edgePeer, "a", HeaderForwarded, "proto=ftp"), "", false, HeaderForwarded + " proto"},
		{"Forwarded bad host", request(edgePeer, "a", HeaderForwarded, `host="a b"`), "", false, HeaderForwarded + " host"},
		{"no Host at all", request(publicPeer, ""), "", false, "Host"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PrivateNetworks().Origin(c.r)
			if c.errOn != "" {
				var he *HeaderError
				if !errors.As(err, &he) || he.Header != c.errOn {
					t.Fatalf("error %v, want a *HeaderError on %s", err, c.errOn)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if got.Base.String() != c.want || got.Proxied != c.proxied {
				t.Fatalf("got %s (proxied %t), want %s (proxied %t)", got.Base, got.Proxied, c.want, c.proxied)
			}
		})
	}
}

func TestOriginSpec(t *testing.T) {
	Convey("Given accountservice behind the edge", t, func() {
		r := request(edgePeer, "accountservice:6767",
			HeaderHost, "localhost:8765", HeaderPort, "8765", HeaderProto, "http", HeaderPrefix, "/api")
		o, err := PrivateNetworks().Origin(r)
		So(err, ShouldBeNil)

		Convey("the URL of a new account is the edge's", func() {
			So(o.URL("/accounts/10100"), ShouldEqual, "http://localhost:8765/api/accounts/10100")
		})
		Convey("an escaped path stays escaped", func() {
			So(o.URL("/file/a%2Fb.jpg"), ShouldEqual, "http://localhost:8765/api/file/a%2Fb.jpg")
		})
	})

	Convey("Given a direct HTTPS request", t, func() {
		r := request(publicPeer, "example.com:443")
		r.TLS = &tls.ConnectionState{}
		o, err := PrivateNetworks().Origin(r)
		So(err, ShouldBeNil)
		So(o.URL("/accounts/1"), ShouldEqual, "https://example.com/accounts/1")
	})

	Convey("Given no trusted networks", t, func() {
		r := request("127.0.0.1:5000", "localhost:6767", HeaderHost, "edge:8765")
		o, err := Proxies(nil).Origin(r)
		So(err, ShouldBeNil)
		So(o.Proxied, ShouldBeFalse)
		So(o.Base.String(), ShouldEqual, "http://localhost:6767")
	})
}

func TestTrusts(t *testing.T) {
	cases := map[string]bool{
		"127.0.0.1:1":         true,
		"[::1]:1":             true,
		"[::ffff:10.0.0.1]:1": true, // IPv4-mapped
		"10.0.9.3:1":          true,
		"172.31.0.1:1":        true,
		"172.32.0.1:1":        false,
		"192.168.1.1:1":       true,
		"100.64.0.1:1":        true,
		"[fd00::1]:1":         true,
		"[fe80::1%eth0]:1":    true,
		"203.0.113.9:1":       false,
		"[2001:db8::1]:1":     false,
		"10.0.0.1":            false, // no port: not a RemoteAddr
		"localhost:1":         false, // a name, not an address
		"":                    false,
	}
	for addr, want := range cases {
		if got := PrivateNetworks().Trusts(addr); got != want {
			t.Errorf("Trusts(%q) = %t, want %t", addr, got, want)
		}
	}
}

func TestFirstElement(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]string // nil: an error
	}{
		{"for=192.0.2.60;proto=http;by=203.0.113.43", map[string]string{"for": "192.0.2.60", "proto": "http", "by": "203.0.113.43"}},
		{`for="_gazonk"`, map[string]string{"for": "_gazonk"}},
		{`For="[2001:db8:cafe::17]:4711"`, map[string]string{"for": "[2001:db8:cafe::17]:4711"}},
		{"for=192.0.2.43, for=198.51.100.17", map[string]string{"for": "192.0.2.43"}},
		{` , for=a ;proto=https , `, map[string]string{"for": "a", "proto": "https"}},
		{`host="a\"b"`, map[string]string{"host": `a"b`}},
		{`host="a,b";proto=x`, map[string]string{"host": "a,b", "proto": "x"}},
		{";;for=a;", map[string]string{"for": "a"}},
		{"", nil},
		{",", nil},
		{"for", nil},
		{"for=", nil},
		{"=a", nil},
		{"for=a b", nil},
		{"for=a;for=b", nil},
		{"for=a, for=b;for=c", nil}, // the whole value must be well-formed
		{`for="a`, nil},
		{`for="a\`, nil},
		{"for=\"a\x00\"", nil},
		{"for=a\x00", nil},
	}
	for _, c := range cases {
		got, err := firstElement(c.in)
		switch {
		case c.want == nil && err == nil:
			t.Errorf("firstElement(%q) = %v, want an error", c.in, got)
		case c.want != nil && err != nil:
			t.Errorf("firstElement(%q): %v", c.in, err)
		case c.want != nil && !equal(got, c.want):
			t.Errorf("firstElement(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// FuzzOrigin: whatever a trusted proxy sends, Origin never panics, and a
// base it returns is an absolute http(s) URL with a host and nothing after
// the path, that parses back to itself.
func FuzzOrigin(f *testing.F) {
	f.Add("localhost:6767", "", "localhost:8765", "http", "8765", "/api")
	f.Add("a:6767", `for=192.0.2.60;proto=https;host="[2001:db8::1]:8443"`, "", "", "", "")
	f.Add("a", "host=a;host=b", "x", "javascript", "0", "//evil")
	f.Add("a", `host="a\"b", for=x`, "front, inner", "https, http", "443, 80", "/a/, /b%20c//")
	f.Add("", "", "[::1", "", "", "/a?b#c")
	f.Add("a", "", "user@evil.example", "HTTPS", "080", "/%zz")
	f.Fuzz(func(t *testing.T, host, fwd, xHost, xProto, xPort, xPrefix string) {
		r := &http.Request{RemoteAddr: edgePeer, Host: host, Header: http.Header{}}
		for name, v := range map[string]string{HeaderForwarded: fwd, HeaderHost: xHost, HeaderProto: xProto, HeaderPort: xPort, HeaderPrefix: xPrefix} {
			if v != "" {
				r.Header.Set(name, v)
			}
		}
		o, err := PrivateNetworks().Origin(r)
		if err != nil {
			var he *HeaderError
			if !errors.As(err, &he) {
				t.Fatalf("error %v is not a *HeaderError", err)
			}
			return
		}
		b := o.Base
		if (b.Scheme != "http" && b.Scheme != "https") || b.Hostname() == "" || b.User != nil ||
			b.RawQuery != "" || b.Fragment != "" || strings.HasSuffix(b.Path, "/") {
			t.Fatalf("bad base %#v from %q", b, r.Header)
		}
		back, err := url.Parse(b.String())
		if err != nil || back.String() != b.String() || back.Host != b.Host {
			t.Fatalf("base %q does not parse back (%v, %q)", b, err, back)
		}
		if u := o.URL("/accounts/1"); !strings.HasPrefix(u, b.String()+"/") {
			t.Fatalf("URL %q is not under %q", u, b)
		}
	})
}

// FuzzFirstElement: the RFC 7239 parser never panics, and what it accepts
// has lower-case names and at least one pair.
func FuzzFirstElement(f *testing.F) {
	for _, s := range []string{"for=192.0.2.60;proto=http;by=203.0.113.43", `For="[2001:db8:cafe::17]:4711"`,
		` , for=a ;proto=https , `, `host="a\"b"`, "for=a;for=b", `for="a\`, ";;", "\xff=\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := firstElement(s)
		if err != nil {
			return
		}
		if len(got) == 0 {
			t.Fatalf("firstElement(%q) accepted with no pair", s)
		}
		for k := range got {
			if k != strings.ToLower(k) || k == "" {
				t.Fatalf("firstElement(%q): name %q", s, k)
			}
		}
	})
}
