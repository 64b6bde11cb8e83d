//go:build e2e

package e2e

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// Issue 11: the edge's public port serves HTTPS only, with the per-deployment CA's certificate
// (the suite trusts that CA alone, see trustEdgeCA), TLS 1.2 or newer; plain HTTP gets no data.
func TestEdgeServesHTTPSOnly(t *testing.T) {
	Convey("Given the deployed edge on "+edgeURL, t, func() {
		host := strings.TrimPrefix(edgeURL, "https://")

		Convey("an HTTPS read verifies against the deployment's CA and negotiates TLS 1.2 or newer", func() {
			resp, err := httpClient.Get(edgeURL + "/api/accounts/" + vipAccount)
			So(err, ShouldBeNil)
			defer resp.Body.Close()
			So(resp.TLS, ShouldNotBeNil)
			So(resp.TLS.Version, ShouldBeGreaterThanOrEqualTo, tls.VersionTLS12)
		})

		Convey("a client that offers at most TLS 1.1 is refused in the handshake", func() {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", host,
				&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11, InsecureSkipVerify: true})
			if conn != nil {
				conn.Close()
			}
			So(err, ShouldNotBeNil)
		})

		Convey("a plain-HTTP request on the port gets no account data", func() {
			conn, err := net.DialTimeout("tcp", host, 5*time.Second)
			So(err, ShouldBeNil)
			defer conn.Close()
			So(conn.SetDeadline(time.Now().Add(5*time.Second)), ShouldBeNil)
			_, err = io.WriteString(conn, "GET /api/accounts/"+vipAccount+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			So(err, ShouldBeNil)
			answer, err := io.ReadAll(conn)
			var ne net.Error
			So(err == nil || errors.As(err, &ne), ShouldBeTrue)
			So(string(answer), ShouldNotContainSubstring, vipAccount)
			if len(answer) > 0 {
				So(string(answer), ShouldStartWith, "HTTP/1.1 400")
			}
		})
	})
}
