package main

import (
	"net"
	"os"
)

// instanceAddress names this instance in responses and logs: the first
// non-loopback IPv4 address of the host (the container's overlay IP on
// Swarm), else the host name.
func instanceAddress() string {
	if addrs, err := net.InterfaceAddrs(); err == nil {
		if ip := firstIPv4(addrs); ip != "" {
			return ip
		}
	}
	if host, err := os.Hostname(); err == nil && host != "" {
		return host
	}
	return "unknown"
}

// firstIPv4 returns the first IPv4 address that is neither loopback nor
// link-local, or "".
func firstIPv4(addrs []net.Addr) string {
	for _, a := range addrs {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if ip4 := ip.To4(); ip4 != nil && !ip4.IsLoopback() && !ip4.IsLinkLocalUnicast() {
			return ip4.String()
		}
	}
	return ""
}
