package instance

import (
	"net"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

func mustCIDR(t *testing.T, s string) net.Addr {
	t.Helper()
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	n.IP = ip
	return n
}

func TestFirstIPv4(t *testing.T) {
	Convey("Given the interface addresses of a host", t, func() {
		cidr := func(s string) net.Addr { return mustCIDR(t, s) }
		Convey("loopback, link-local and IPv6 addresses are skipped", func() {
			addrs := []net.Addr{cidr("127.0.0.1/8"), cidr("::1/128"), cidr("fe80::1/64"),
				cidr("169.254.3.4/16"), cidr("10.0.0.7/24"), cidr("192.168.1.2/24")}
			So(firstIPv4(addrs), ShouldEqual, "10.0.0.7")
		})
		Convey("a host with loopback only has no address", func() {
			So(firstIPv4([]net.Addr{cidr("127.0.0.1/8")}), ShouldEqual, "")
		})
		Convey("Address never answers empty", func() {
			So(Address(), ShouldNotBeEmpty)
		})
	})
}

func TestFirstIPv4Table(t *testing.T) {
	tests := []struct {
		addrs []net.Addr
		want  string
	}{
		{[]net.Addr{mustCIDR(t, "127.0.0.1/8"), mustCIDR(t, "::1/128"), mustCIDR(t, "10.0.1.7/24")}, "10.0.1.7"},
		{[]net.Addr{mustCIDR(t, "fe80::1/64"), mustCIDR(t, "169.254.3.4/16"), mustCIDR(t, "172.18.0.3/16"), mustCIDR(t, "10.0.0.2/24")}, "172.18.0.3"},
		{[]net.Addr{&net.IPAddr{IP: net.ParseIP("192.168.1.5")}}, "192.168.1.5"},
		{[]net.Addr{mustCIDR(t, "127.0.0.1/8"), mustCIDR(t, "2001:db8::1/64")}, ""},
		{[]net.Addr{mustCIDR(t, "0.0.0.0/0"), mustCIDR(t, "10.0.0.9/8")}, "10.0.0.9"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := firstIPv4(tt.addrs); got != tt.want {
			t.Errorf("firstIPv4(%v) = %q; want %q", tt.addrs, got, tt.want)
		}
	}
}
