//go:build landscape

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const amqpPort = 5672

// brokerConnection is what RabbitMQ knows of one client connection.
type brokerConnection struct {
	User     string `json:"user"`
	VHost    string `json:"vhost"`
	PeerPort int    `json:"peer_port"`
}

// brokerConnectionsOf returns the broker's view of every AMQP connection the
// process pid holds: its sockets to port 5672 are found in /proc, and matched
// by their local port to the peer_port rabbitmqctl lists. So the check holds
// for a service whether or not it names its connection.
func brokerConnectionsOf(pid int) ([]brokerConnection, error) {
	ports, err := amqpLocalPorts(pid)
	if err != nil {
		return nil, err
	}
	if len(ports) == 0 {
		return nil, fmt.Errorf("pid %d has no TCP connection to port %d", pid, amqpPort)
	}
	all, err := listBrokerConnections()
	if err != nil {
		return nil, err
	}
	var mine []brokerConnection
	for _, c := range all {
		if ports[c.PeerPort] {
			mine = append(mine, c)
		}
	}
	if len(mine) == 0 {
		return nil, fmt.Errorf("the broker lists none of pid %d's local ports %v", pid, ports)
	}
	return mine, nil
}

func listBrokerConnections() ([]brokerConnection, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, rabbitmqctl, "-q", "list_connections", "user", "vhost", "peer_port",
		"--formatter", "json").Output()
	if err != nil {
		return nil, fmt.Errorf("rabbitmqctl list_connections (needs root on the broker's host): %w", err)
	}
	var conns []brokerConnection
	if err := json.Unmarshal(out, &conns); err != nil {
		return nil, fmt.Errorf("decoding rabbitmqctl's list: %w", err)
	}
	return conns, nil
}

// amqpLocalPorts is the set of local ports of pid's established TCP
// connections to amqpPort.
func amqpLocalPorts(pid int) (map[int]bool, error) {
	inodes, err := socketInodes(pid)
	if err != nil {
		return nil, err
	}
	ports := map[int]bool{}
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "01" || !inodes[fields[9]] { // 01: ESTABLISHED
				continue
			}
			if hexPort(fields[2]) == amqpPort {
				ports[hexPort(fields[1])] = true
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return ports, nil
}

// socketInodes lists the inodes of pid's sockets (its fds "socket:[N]").
func socketInodes(pid int) (map[string]bool, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the fds of pid %d (needs the same user or root): %w", pid, err)
	}
	inodes := map[string]bool{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if inode, ok := strings.CutPrefix(target, "socket:["); ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	return inodes, nil
}

// hexPort takes the port of a /proc/net/tcp address such as 0100007F:1628.
func hexPort(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return -1
	}
	p, err := strconv.ParseInt(addr[i+1:], 16, 32)
	if err != nil {
		return -1
	}
	return int(p)
}
