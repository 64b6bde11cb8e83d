//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goblog/systest"
	"golang.org/x/oauth2"
)

// Where the stack is. The defaults are what `make up` deploys.
var (
	stack      = env("E2E_STACK", "goblog")
	edgeURL    = env("E2E_EDGE_URL", "https://localhost:8765")
	edgeCAFile = env("E2E_EDGE_CA_FILE", "../.secrets/edge_ca.pem")
	probeImage = env("E2E_PROBE_IMAGE", "goblog/base-jre:17")
	dockerBin  = env("DOCKER", "docker")
	network    = stack + "_goblog"
	// nodeHosts: on a multi-node swarm (make e2e NODES=3) the engines of the other nodes, whose
	// containers the manager's engine does not know (DOCKER_HOST values, space-separated).
	nodeHosts = strings.Fields(os.Getenv("GOBLOG_NODE_HOSTS"))
)

// The operator console (hystrix-dashboard): Zipkin at /zipkin/, turbine's stream through the
// dashboard's /proxy.stream, behind user operator and the password make up made.
var (
	operatorURL          = env("E2E_OPERATOR_URL", "http://localhost:7979")
	operatorPasswordFile = env("E2E_OPERATOR_PASSWORD_FILE", "../.secrets/operator_password")
)

// The client the suite's requests through the edge and to the services get tokens as.
var (
	clientID         = env("E2E_CLIENT_ID", "goblog-machine")
	clientSecretFile = env("E2E_CLIENT_SECRET_FILE", "../.secrets/auth_client_secret_"+clientID)
)

// The services of the stack (deploy/docker-stack.yml) and the host ports it may publish.
var (
	stackServices = []string{"rabbitmq", "postgres", "configserver", "zipkin", "quotes-service", "accountservice",
		"vipservice", "imageservice", "edge-server", "hystrix-dashboard", "turbine", "auth-server", "logstore", "prometheus"}
	publishedPorts = map[string][]int{
		"edge-server": {8765}, "hystrix-dashboard": {7979}, "rabbitmq": {15672}, "logstore": {5140, 9428},
		"prometheus": {9090},
	}
)

// vipAccount is the account whose reads are announced to vipservice.
const vipAccount = systest.VIPAccount

var httpClient = systest.NewClient()

// probe is the container inside the overlay network the suite reaches the internal services
// through; TestMain starts it.
var probe *probeContainer

// operator is the operator console's login (user operator, operatorPasswordFile); TestMain reads it.
var operator *url.Userinfo

// acknowledged records the accounts the stories saw acknowledged, for story 5 of issue 9
// (redeploy_test.go); TestMain creates it, but not in the run after a redeploy, which reads it.
var acknowledged *acknowledgedLog

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// serviceName is the Swarm name of a service of the stack.
func serviceName(svc string) string { return stack + "_" + svc }

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	out, err := docker(30*time.Second, "service", "ls", "--filter", "label=com.docker.stack.namespace="+stack, "--format", "{{.Name}}")
	if err != nil || out == "" {
		fmt.Fprintf(os.Stderr, "e2e: the stack %q is not deployed (make up first): %v\n", stack, err)
		return 1
	}
	if err := trustEdgeCA(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	if operator, err = operatorLogin(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	if err := authorizeEdge(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	probe, err = startProbe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer probe.remove()
	if !redeployed {
		acknowledged, err = newAcknowledgedLog(acknowledgedFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			return 1
		}
		defer func() {
			if err := acknowledged.close(); err != nil {
				fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			}
		}()
	}
	return m.Run()
}

// trustEdgeCA makes the suite's HTTPS clients trust the per-deployment CA of the edge,
// edgeCAFile (deploy/edge-tls.sh), beside the system's roots: http.DefaultTransport, which every
// client of the suite and of systest uses, gets those roots. (Not SSL_CERT_FILE: a machine that
// sets it for its own bundle would win over the suite's.)
func trustEdgeCA() error {
	pem, err := os.ReadFile(edgeCAFile)
	if err != nil {
		return fmt.Errorf("the edge's CA (E2E_EDGE_CA_FILE): %w (make up makes it)", err)
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("the edge's CA (E2E_EDGE_CA_FILE) %s holds no PEM certificate", edgeCAFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	http.DefaultTransport = tr
	return nil
}

// operatorLogin is the operator console's user and password (deploy/make-secrets.sh).
func operatorLogin() (*url.Userinfo, error) {
	pw, err := os.ReadFile(operatorPasswordFile)
	if err != nil {
		return nil, fmt.Errorf("the operator's password (E2E_OPERATOR_PASSWORD_FILE): %w (make up makes it)", err)
	}
	return url.UserPassword("operator", strings.TrimSpace(string(pw))), nil
}

// operatorConsole is the URL of path on the operator console with the operator's login as its
// user info (net/http sends it as HTTP basic authentication).
func operatorConsole(path string) string {
	u, err := url.Parse(operatorURL + path)
	if err != nil {
		return operatorURL + path // the request fails with the parse error
	}
	u.User = operator
	return u.String()
}

// edgeTokens are the suite's access tokens (client credentials of clientID, both scopes, through
// the edge); authorizeEdge sets it.
var edgeTokens oauth2.TokenSource

// tokenlessTransport trusts the edge's CA and adds no token: for the requests that must have none.
var tokenlessTransport http.RoundTripper

// authorizeEdge makes every request of the suite to the edge carry an access token: the default
// transport (which every client of the suite and of systest uses) adds one to requests for the
// edge's host that have no Authorization header of their own; probe.http adds one too.
func authorizeEdge() error {
	secret, err := os.ReadFile(clientSecretFile)
	if err != nil {
		return fmt.Errorf("the client secret of %s (E2E_CLIENT_SECRET_FILE): %w (make up makes it)", clientID, err)
	}
	u, err := url.Parse(edgeURL)
	if err != nil {
		return fmt.Errorf("E2E_EDGE_URL: %w", err)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 256 // the concurrent-creates story keeps its connections
	edgeTokens = systest.EdgeTokens(context.Background(), base, edgeURL, clientID, strings.TrimSpace(string(secret)),
		"account:read", "account:write")
	tokenlessTransport = base
	http.DefaultTransport = systest.Bearer(base, edgeTokens, u.Host)
	return nil
}

// eventually is systest.Eventually: the bound of every wait in this suite.
func eventually(timeout, interval time.Duration, check func() error) error {
	return systest.Eventually(timeout, interval, check)
}

// docker runs the docker CLI, at most timeout, and returns its trimmed standard output; an error
// carries the command and its standard error.
func docker(timeout time.Duration, args ...string) (string, error) {
	out, err := dockerRaw(timeout, nil, args...)
	return strings.TrimSpace(out), err
}

func dockerStdin(timeout time.Duration, stdin []byte, args ...string) (string, error) {
	out, err := dockerRaw(timeout, stdin, args...)
	return strings.TrimSpace(out), err
}

// dockerRaw is docker with stdin, returning standard output as it is.
func dockerRaw(timeout time.Duration, stdin []byte, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, dockerBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %s", timeout)
		}
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// lines splits docker's output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// task is a task of a service that Swarm wants running.
type task struct {
	ID          string
	NodeID      string
	State       string // Swarm's: running once the container is healthy
	ContainerID string
	Health      string // the container's: healthy, unhealthy, starting, none
	IP          string // on the stack's network
	Started     time.Time
}

// runningTasks returns the tasks of svc whose desired state is running, in any current state.
func runningTasks(svc string) ([]task, error) {
	out, err := docker(30*time.Second, "service", "ps", "-q", "--filter", "desired-state=running", serviceName(svc))
	if err != nil {
		return nil, err
	}
	ids := lines(out)
	if len(ids) == 0 {
		return nil, nil
	}
	out, err = docker(30*time.Second, append([]string{"inspect", "--format",
		"{{.ID}}|{{.Status.State}}|{{.Status.ContainerStatus.ContainerID}}|{{.NodeID}}"}, ids...)...)
	if err != nil {
		return nil, err
	}
	var tasks []task
	for _, l := range lines(out) {
		f := strings.Split(l, "|")
		if len(f) != 4 {
			return nil, fmt.Errorf("unexpected task line %q", l)
		}
		t := task{ID: f[0], State: f[1], ContainerID: f[2], NodeID: f[3], Health: "-"}
		if t.ContainerID != "" {
			c, err := inspectContainer(t.ContainerID,
				`{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}|{{.State.StartedAt}}|{{with index .NetworkSettings.Networks "`+network+`"}}{{.IPAddress}}{{end}}`)
			if err == nil {
				if cf := strings.Split(c, "|"); len(cf) == 3 {
					t.Health, t.IP = cf[0], cf[2]
					t.Started, _ = time.Parse(time.RFC3339Nano, cf[1])
				}
			}
		}
		tasks = append(tasks, t)
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].ID < tasks[j].ID })
	return tasks, nil
}

// inspectContainer is docker inspect --format format of a container, asked of the manager's engine
// and then of each of nodeHosts: only the engine of a container's node knows it.
func inspectContainer(id, format string) (string, error) {
	out, err := docker(30*time.Second, "inspect", "--format", format, id)
	for _, h := range nodeHosts {
		if err == nil {
			break
		}
		out, err = docker(30*time.Second, "-H", h, "inspect", "--format", format, id)
	}
	return out, err
}

// containersOf returns the ids of the containers of svc that exist and run, whatever Swarm wants of
// them: a task Swarm is stopping keeps its container (and serves) until it has stopped. Every
// node's engine is asked (nodeHosts).
func containersOf(svc string) ([]string, error) {
	args := []string{"ps", "-q", "--filter", "label=com.docker.swarm.service.name=" + serviceName(svc)}
	out, err := docker(30*time.Second, args...)
	ids := lines(out)
	for _, h := range nodeHosts {
		if err != nil {
			break
		}
		out, err = docker(30*time.Second, append([]string{"-H", h}, args...)...)
		ids = append(ids, lines(out)...)
	}
	return ids, err
}

// healthyTasks returns the running, healthy tasks of svc.
func healthyTasks(svc string) ([]task, error) {
	all, err := runningTasks(svc)
	if err != nil {
		return nil, err
	}
	var ok []task
	for _, t := range all {
		if t.State == "running" && (t.Health == "healthy" || t.Health == "none") {
			ok = append(ok, t)
		}
	}
	return ok, nil
}

// updateStatus is Swarm's record of the last update of a service ("" State when it never had one).
type updateStatus struct {
	State, StartedAt, Message string
}

func updateState(svc string) (updateStatus, error) {
	out, err := docker(30*time.Second, "service", "inspect", "--format",
		"{{with .UpdateStatus}}{{.State}}|{{.StartedAt}}|{{.Message}}{{end}}", serviceName(svc))
	if err != nil {
		return updateStatus{}, err
	}
	f := strings.SplitN(out, "|", 3)
	for len(f) < 3 {
		f = append(f, "")
	}
	return updateStatus{State: f[0], StartedAt: f[1], Message: f[2]}, nil
}

// desiredReplicas is the replica count Swarm is asked for.
func desiredReplicas(svc string) (int, error) {
	out, err := docker(30*time.Second, "service", "inspect", "--format", "{{.Spec.Mode.Replicated.Replicas}}", serviceName(svc))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(out)
}

// ready returns nil when svc has exactly its desired replicas running and healthy and no update is
// in progress.
func ready(svc string) error {
	u, err := updateState(svc)
	if err != nil {
		return err
	}
	switch u.State {
	case "updating", "rollback_started":
		return fmt.Errorf("%s: update in progress (%s)", svc, u.State)
	case "paused", "rollback_paused":
		return fmt.Errorf("%s: update %s: %s", svc, u.State, u.Message)
	}
	want, err := desiredReplicas(svc)
	if err != nil {
		return err
	}
	all, err := runningTasks(svc)
	if err != nil {
		return err
	}
	healthy := 0
	var others []string
	for _, t := range all {
		if t.State == "running" && (t.Health == "healthy" || t.Health == "none") {
			healthy++
		} else {
			others = append(others, fmt.Sprintf("%.12s %s/%s", t.ID, t.State, t.Health))
		}
	}
	if healthy != want || len(others) > 0 {
		return fmt.Errorf("%s: %d/%d running and healthy %v", svc, healthy, want, others)
	}
	return nil
}

// waitReady waits until ready(svc), at most timeout.
func waitReady(svc string, timeout time.Duration) error {
	return eventually(timeout, 2*time.Second, func() error { return ready(svc) })
}

// scale sets the replica count of svc without waiting (the waits are the caller's, bounded).
func scale(svc string, replicas int) error {
	_, err := docker(60*time.Second, "service", "scale", "--detach", fmt.Sprintf("%s=%d", serviceName(svc), replicas))
	return err
}

// waitUpdate waits until an update of svc newer than before (the UpdateStatus read before
// starting it) has completed, at most timeout. A rollback or a pause ends the wait at once.
func waitUpdate(svc string, before updateStatus, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		u, err := updateState(svc)
		switch {
		case err != nil:
		case u.StartedAt == before.StartedAt:
			err = fmt.Errorf("%s: the update has not started", svc)
		case u.State == "completed":
			return nil
		case strings.HasPrefix(u.State, "rollback") || u.State == "paused":
			return fmt.Errorf("%s: update %s: %s", svc, u.State, u.Message)
		default:
			err = fmt.Errorf("%s: update %s", svc, u.State)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still not completed after %s: %w", timeout, err)
		}
		time.Sleep(2 * time.Second)
	}
}

// waitRollback waits until a rollback of svc requested after before has completed, at most timeout.
func waitRollback(svc string, before updateStatus, timeout time.Duration) error {
	return eventually(timeout, 2*time.Second, func() error {
		u, err := updateState(svc)
		switch {
		case err != nil:
			return err
		case u.StartedAt == before.StartedAt:
			return fmt.Errorf("%s: the rollback has not started", svc)
		case u.State != "rollback_completed":
			return fmt.Errorf("%s: rollback %s: %s", svc, u.State, u.Message)
		}
		return nil
	})
}

// response is a finished HTTP exchange.
type response = systest.Response

// account is accountservice's answer to a read.
type account = systest.Account

// edgeAccount reads one account through the published edge; anything but a 200 is an error.
func edgeAccount(id string) (account, response, error) {
	return systest.ReadAccount(httpClient, edgeURL, id)
}

// probeContainer is a container attached to the stack's overlay network, running nothing but
// sleep: `docker exec` runs bash in it, which speaks HTTP over /dev/tcp (the JRE base image has
// bash and coreutils, no curl). It removes itself after 30 minutes at the latest.
type probeContainer struct{ name string }

func startProbe() (*probeContainer, error) {
	name := fmt.Sprintf("%s-e2e-probe-%d", stack, os.Getpid())
	_, err := docker(60*time.Second, "run", "-d", "--rm", "--name", name, "--network", network,
		"--memory", "64m", "--label", "goblog.e2e=probe", "--entrypoint", "sleep", probeImage, "1800")
	if err != nil {
		return nil, fmt.Errorf("starting the probe container on %s: %w", network, err)
	}
	return &probeContainer{name: name}, nil
}

func (p *probeContainer) remove() {
	_, _ = docker(30*time.Second, "rm", "-f", p.name)
}

// httpScript sends one HTTP/1.0 request ($1 method, $2 host, $3 port, $4 path, $5 body) and
// prints the whole answer. HTTP/1.0 with Connection: close: the server closes after the answer
// and sends no chunked encoding.
const httpScript = `exec 3<>"/dev/tcp/$2/$3" || exit 7
auth=
[[ -z $7 ]] || auth="Authorization: Bearer $7"$'\r\n'
printf '%s %s HTTP/1.0\r\nHost: %s:%s\r\n%sAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
  "$1" "$4" "$2" "$3" "$auth" "$6" "$5" >&3
cat <&3`

// http sends a request to host:port inside the overlay network, with the suite's access token
// (the services check it), and returns status and body.
func (p *probeContainer) http(method, host string, port int, path, body string) (int, []byte, error) {
	token := ""
	if edgeTokens != nil {
		tok, err := edgeTokens.Token()
		if err != nil {
			return 0, nil, fmt.Errorf("%s http://%s:%d%s: an access token: %w", method, host, port, path, err)
		}
		token = tok.AccessToken
	}
	return p.httpWithToken(token, method, host, port, path, body)
}

// httpWithToken is http with token as the access token instead of the suite's; "" sends none.
func (p *probeContainer) httpWithToken(token, method, host string, port int, path, body string) (int, []byte, error) {
	out, err := dockerRaw(30*time.Second, nil, "exec", p.name, "timeout", "20", "bash", "-c", httpScript, "http",
		method, host, strconv.Itoa(port), path, body, strconv.Itoa(len(body)), token)
	if err != nil {
		return 0, nil, fmt.Errorf("%s http://%s:%d%s from the probe: %w", method, host, port, path, err)
	}
	head, rest, ok := strings.Cut(out, "\r\n\r\n")
	if !ok {
		return 0, nil, fmt.Errorf("%s http://%s:%d%s: no HTTP answer: %.200q", method, host, port, path, out)
	}
	statusLine, _, _ := strings.Cut(head, "\r\n")
	f := strings.Fields(statusLine)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return 0, nil, fmt.Errorf("%s http://%s:%d%s: bad status line %q", method, host, port, path, statusLine)
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, nil, fmt.Errorf("%s http://%s:%d%s: bad status line %q", method, host, port, path, statusLine)
	}
	return status, []byte(rest), nil
}
