package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goblog/common/servicetest"
)

// TestAcknowledgedAccountsSurviveKill9 is the durability promise of POST
// /accounts: every account answered with 201 is readable after the process
// is killed without warning and started again.
func TestAcknowledgedAccountsSurviveKill9(t *testing.T) {
	bin, dir := buildService(t)

	port, streamPort := servicetest.FreePort(t), servicetest.FreePort(t)
	cfgDir := writeConfigRepo(t, filepath.Join(dir, "config-repo"), map[string]any{
		"server_port":         port,
		"hystrix_stream_port": streamPort,
		"bolt_path":           filepath.Join(dir, "accounts.db"),
		"amqp_server_url":     "amqp://guest:guest@127.0.0.1:1/", // nothing listens: must not matter
		"zipkin_server_url":   "",
		"quotes_service_url":  "", // fallbacks keep the test quick
		"imageservice_url":    "",
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	args := []string{"-profile", "durability", "-configDir", cfgDir, "-configAttempts", "1"}

	first := startService(t, bin, args, base)
	const n = 20
	created := map[string]string{} // id → name
	for i := range n {
		name := fmt.Sprintf("Durable_%d", i)
		resp, body := do(t, "POST", base+"/accounts", `{"name":"`+name+`"}`)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", name, resp.StatusCode, body)
		}
		var acc struct{ ID, Name string }
		if err := json.Unmarshal([]byte(body), &acc); err != nil || acc.Name != name {
			t.Fatalf("POST %s answered %s (%v)", name, body, err)
		}
		if loc := resp.Header.Get("Location"); loc != base+"/accounts/"+acc.ID {
			t.Fatalf("POST %s: Location %q for id %s", name, loc, acc.ID)
		}
		created[acc.ID] = name
	}
	first.kill9(t)

	second := startService(t, bin, args, base)
	for id, name := range created {
		resp, body := do(t, "GET", base+"/accounts/"+id, "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"name":"`+name+`"`) {
			t.Errorf("after kill -9, GET /accounts/%s = %d %s; want %s", id, resp.StatusCode, body, name)
		}
	}
	if _, body := do(t, "GET", base+"/accounts/10099", ""); !strings.Contains(body, `"name":"Person_99"`) {
		t.Errorf("seed account changed after restart: %s", body)
	}
	resp, body := do(t, "POST", base+"/accounts", `{"name":"After restart"}`)
	var acc struct{ ID string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &acc) != nil || created[acc.ID] != "" {
		t.Errorf("POST after restart = %d %s; want 201 with a new id", resp.StatusCode, body)
	}

	// GET /metrics: the bbolt store's operations and the requests, by template.
	_, metrics := do(t, "GET", base+"/metrics", "")
	for _, want := range []string{
		fmt.Sprintf(`goblog_store_operation_duration_seconds_count{operation="read",store="bolt"} %d`, n+1),
		`goblog_store_operation_duration_seconds_count{operation="create",store="bolt"} 1`,
		`goblog_store_operation_duration_seconds_count{operation="seed",store="bolt"} 1`,
		fmt.Sprintf(`goblog_http_requests_total{code="200",method="GET",route="/accounts/{id}"} %d`, n+1),
		"goblog_messaging_connection_up 0",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("GET /metrics lacks %s:\n%s", want, metrics)
		}
	}

	// SIGTERM: a graceful shutdown with an unreachable broker, exit status 0.
	if code := second.terminate(t); code != 0 {
		t.Errorf("exit status after SIGTERM = %d; want 0\n%s", code, second.output())
	}
}

// buildService builds accountservice into a new temporary directory and
// returns the binary and the directory. It skips the test under -short and
// where there is no go tool.
func buildService(t *testing.T) (bin, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	dir = t.TempDir()
	bin = filepath.Join(dir, "accountservice")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building: %v\n%s", err, out)
	}
	return bin, dir
}

type process struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

func startService(t *testing.T, bin string, args []string, base string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), out: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("accountservice output:\n%s", p.output())
		}
	})

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.exited:
			t.Fatalf("accountservice exited during start: %v", p.cmd.ProcessState)
		default:
		}
		if resp, err := client.Get(base + "/health"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("accountservice not healthy after 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *process) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

func (p *process) terminate(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("no exit 30s after SIGTERM")
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *process) output() string { return p.out.String() }

func do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// writeConfigRepo copies support/config-repo to dir and adds
// accountservice-durability.yml with the overrides, most specific first.
func writeConfigRepo(t *testing.T, dir string, overrides map[string]any) string {
	t.Helper()
	src := filepath.Join("..", "support", "config-repo")
	files, err := filepath.Glob(filepath.Join(src, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no config repo at %s: %v", src, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var yml strings.Builder
	for k, v := range overrides {
		if s, ok := v.(string); ok {
			fmt.Fprintf(&yml, "%s: %q\n", k, s)
		} else {
			fmt.Fprintf(&yml, "%s: %v\n", k, v)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "accountservice-durability.yml"), []byte(yml.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// syncBuffer collects the output of a process while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
