// Package instance tells which replica this process is: the address reported
// as servedBy, so a client can see load balancing across replicas.
package instance

import (
	"net"
	"os"
)

// Address returns the first non-loopback IPv4 address of this host (the
// overlay IP in a Swarm container), or the host name when there is none.
func Address() string {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		if ip := firstIPv4(addrs); ip != "" {
			return ip
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "unknown"
}

func firstIPv4(addrs []net.Addr) string {
	for _, a := range addrs {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if ip4 := ip.To4(); ip4 != nil && !ip4.IsLoopback() && !ip4.IsUnspecified() && !ip4.IsLinkLocalUnicast() {
			return ip4.String()
		}
	}
	return ""
}
