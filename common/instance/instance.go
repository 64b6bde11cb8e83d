// Package instance tells which replica this process is: the address every
// service reports as servedBy, logs as its instance field and gives the
// tracer as its local endpoint, so a client can see load balancing across
// replicas.
package instance

import (
	"net"
	"os"
)

// Address returns the first IPv4 address of this host that is neither
// loopback, unspecified nor link-local (the overlay IP in a Swarm container),
// else the host name, else "unknown". It never answers "".
func Address() string {
	if addrs, err := net.InterfaceAddrs(); err == nil {
		if ip := firstIPv4(addrs); ip != "" {
			return ip
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "unknown"
}

// firstIPv4 returns the first IPv4 address of addrs that is neither loopback,
// unspecified nor link-local, or "".
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
