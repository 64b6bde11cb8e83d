package instance

import (
	"net"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

func TestFirstIPv4(t *testing.T) {
	Convey("Given the interface addresses of a host", t, func() {
		cidr := func(s string) net.Addr {
			ip, n, err := net.ParseCIDR(s)
			So(err, ShouldBeNil)
			n.IP = ip
			return n
		}
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
