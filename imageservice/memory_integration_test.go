//go:build integration

package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// TestUploadsUnderAMemoryLimit runs the imageservice binary in a container
// with the memory limit and GOMEMLIMIT of deploy/docker-stack.yml and sends
// it waves of concurrent maximum-size uploads (25 megapixels, 8- and 16-bit
// RGBA PNGs): every answer is 200 or 503, and the process is never killed.
// It needs a Docker engine (deploy/ensure-docker.sh) and is skipped without
// one; run it under the system lock:
//
//	flock /tmp/goblog-system.lock go test -race -tags integration -count=1 -run TestUploadsUnderAMemoryLimit ./imageservice
func TestUploadsUnderAMemoryLimit(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skipf("no Docker engine (%v): deploy/ensure-docker.sh starts one", err)
	}
	Convey("Given imageservice in a container limited to 384 MiB, GOMEMLIMIT 300 MiB", t, func() {
		container := startLimitedContainer(t, "384m", "300MiB")
		base := "http://" + dockerOut(t, "port", container, "7777/tcp")
		waitHealthy(t, base)

		Convey("its memory budget is GOMEMLIMIT less the headroom", func() {
			So(dockerLogs(t, container), ShouldContainSubstring, `"budget_mib":252`)
		})
		Convey("two waves of 6 concurrent 5000x5000 uploads each answer 200 or 503, and it is never killed", func() {
			uploads := [][]byte{maxPNG(t, false), maxPNG(t, true)}
			codes := map[int]int{}
			for wave := range 2 {
				var mu sync.Mutex
				var wg sync.WaitGroup
				for i := range 6 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						code := post(base, uploads[i%2])
						mu.Lock()
						codes[code]++
						mu.Unlock()
					}()
				}
				wg.Wait()
				t.Logf("after wave %d: answers %v, container %s", wave+1, codes,
					dockerOut(t, "inspect", "-f", "{{.State.Status}} oom={{.State.OOMKilled}} restarts={{.RestartCount}}", container))
			}
			So(codes[http.StatusOK]+codes[http.StatusServiceUnavailable], ShouldEqual, 12)
			So(codes[http.StatusOK], ShouldBeGreaterThan, 0)
			So(dockerOut(t, "inspect", "-f", "{{.State.Running}} {{.State.OOMKilled}} {{.RestartCount}}", container), ShouldEqual, "true false 0")
		})
	})
}

func TestBudgetFromTheContainerLimit(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skipf("no Docker engine (%v): deploy/ensure-docker.sh starts one", err)
	}
	Convey("Given imageservice in a container limited to 384 MiB without GOMEMLIMIT", t, func() {
		container := startLimitedContainer(t, "384m", "")
		waitHealthy(t, "http://"+dockerOut(t, "port", container, "7777/tcp"))
		Convey("its budget is half of the limit less the headroom, read from the cgroup", func() {
			So(dockerLogs(t, container), ShouldContainSubstring, `"budget_mib":168`)
		})
	})
}

// startLimitedContainer builds the binary into a FROM scratch image of its
// own and runs it with the given memory limit; both are removed at the end.
func startLimitedContainer(t *testing.T, memory, goMemLimit string) string {
	t.Helper()
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "imageservice"), ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	must(t, os.MkdirAll(filepath.Join(dir, "config"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "config", "imageservice-memtest.yml"),
		[]byte("server_port: 7777\nimage_base_url: http://localhost:7777\nlog_level: info\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(`FROM scratch
COPY imageservice /imageservice
COPY config /config
ENTRYPOINT ["/imageservice", "-profile", "memtest", "-configDir", "/config", "-configAttempts", "1"]
`), 0o644))
	tag := fmt.Sprintf("goblog-imageservice-memtest:%d", os.Getpid())
	dockerOut(t, "build", "-q", "-t", tag, dir)
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	args := []string{"run", "-d", "--memory", memory, "--memory-swap", memory, "-p", "127.0.0.1::7777"}
	if goMemLimit != "" {
		args = append(args, "-e", "GOMEMLIMIT="+goMemLimit)
	}
	id := dockerOut(t, append(args, tag)...)
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", id).Run() })
	return id
}

func dockerOut(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}

func dockerLogs(t *testing.T, id string) string {
	t.Helper()
	out, err := exec.Command("docker", "logs", id).CombinedOutput()
	must(t, err)
	return string(out)
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("imageservice at %s did not become healthy", base)
}

// post sends an upload and returns the status, or 0 when the connection
// failed (the process died or reset it). A 200 must carry a whole JPEG.
func post(base string, body []byte) int {
	resp, err := http.Post(base+"/image", "image/png", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	if _, err := out.ReadFrom(resp.Body); err != nil {
		return 0
	}
	if resp.StatusCode == http.StatusOK && !bytes.HasSuffix(out.Bytes(), []byte{0xff, 0xd9}) {
		return -1 // a JPEG cut short
	}
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
		return -2
	}
	return resp.StatusCode
}

// maxPNG is a 5000x5000 PNG (the 25-megapixel cap) with a translucent
// gradient, 8 or 16 bits a channel; it compresses to well under 10 MiB.
func maxPNG(t *testing.T, sixteenBit bool) []byte {
	t.Helper()
	const n = 5000
	var img interface {
		image.Image
		Set(x, y int, c color.Color)
	} = image.NewNRGBA(image.Rect(0, 0, n, n))
	if sixteenBit {
		img = image.NewNRGBA64(image.Rect(0, 0, n, n))
	}
	for y := range n {
		for x := range n {
			img.Set(x, y, color.NRGBA{uint8(x / 20), uint8(y / 20), 128, uint8(255 - x/40)})
		}
	}
	var buf bytes.Buffer
	must(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
