package main

import (
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"

	"github.com/goblog/common/config"
)

// pprofPortKey is the configuration key of the profiling port: absent or 0,
// no profiling endpoint (the default).
const pprofPortKey = "pprof_port"

// pprofPort reads pprof_port: 0 when absent, else a TCP port.
func pprofPort(snap *config.Snapshot) (int, error) {
	port, err := snap.IntE(pprofPortKey, 0)
	if err != nil {
		return 0, err
	}
	if port == 0 {
		return 0, nil
	}
	return snap.PortE(pprofPortKey, 0)
}

// pprofAddr is the profiling listen address: loopback only, so the
// profiles (which show the heap, the goroutines and the command line) are
// reachable from the host or the container itself, never from the network.
func pprofAddr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// pprofHandler serves net/http/pprof under /debug/pprof/ (go tool pprof
// http://127.0.0.1:<pprof_port>/debug/pprof/profile?seconds=10). Profiles
// longer than the server's write timeout (30 s) are refused by pprof.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
