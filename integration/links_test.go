//go:build landscape

package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// Issue 10, item 5, on the process landscape: every link the API hands out, followed through the
// edge, answers 200. The same story as e2e/links_test.go on Swarm.
// Self-contained on purpose: it needs only edgeURL, httpClient, eventually and fallbackImage.

// TestLinksTheAPIHandsOutWorkThroughTheEdge creates an account through the edge, follows its
// Location, then every absolute URL in the account it reads (imageData.url, and any link added
// later), each with a GET through the edge.
func TestLinksTheAPIHandsOutWorkThroughTheEdge(t *testing.T) {
	Convey("Given the edge published on the host", t, func() {
		name := fmt.Sprintf("Links_%d", time.Now().UnixNano()%1_000_000)

		Convey("POST /api/accounts answers 201 with a Location on the edge", func() {
			status, header, body, err := linkRequest(http.MethodPost, edgeURL+"/api/accounts", `{"name":"`+name+`"}`)
			So(err, ShouldBeNil)
			So(status, ShouldEqual, http.StatusCreated)
			var created struct{ ID, Name string }
			So(json.Unmarshal(body, &created), ShouldBeNil)
			location := header.Get("Location")
			So(location, ShouldEqual, edgeURL+"/api/accounts/"+created.ID)

			Convey("following it answers 200 with that account", func() {
				var read map[string]any
				// Wait until imageservice answered (not the fallback) so imageData.url is its link.
				So(eventually(60*time.Second, time.Second, func() error {
					status, _, body, err := linkRequest(http.MethodGet, location, "")
					if err != nil {
						return err
					}
					if status != http.StatusOK {
						return fmt.Errorf("GET %s: %d %.300s", location, status, body)
					}
					read = nil
					if err := json.Unmarshal(body, &read); err != nil {
						return fmt.Errorf("decoding %.300s: %w", body, err)
					}
					if img, _ := read["imageData"].(map[string]any); img == nil || img["servedBy"] == fallbackImage {
						return fmt.Errorf("account %s has no image from imageservice: %v", created.ID, read["imageData"])
					}
					return nil
				}), ShouldBeNil)
				So(read["name"], ShouldEqual, name)

				Convey("and every URL in it answers 200 through the edge", func() {
					links := absoluteURLs(read)
					So(links, ShouldNotBeEmpty) // at least imageData.url
					for _, link := range links {
						So(link, ShouldStartWith, edgeURL+"/api/")
						status, header, body, err := linkRequest(http.MethodGet, link, "")
						So(err, ShouldBeNil)
						So(fmt.Sprintf("GET %s: %d", link, status), ShouldEqual, fmt.Sprintf("GET %s: %d", link, http.StatusOK))
						So(len(body), ShouldBeGreaterThan, 0)
						if strings.HasSuffix(link, ".jpg") {
							So(header.Get("Content-Type"), ShouldEqual, "image/jpeg")
						}
					}
				})
			})
		})
	})
}

// linkRequest sends one request, a JSON body when body is not empty, and reads the answer.
func linkRequest(method, url, body string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading %s %s: %w", method, url, err)
	}
	return resp.StatusCode, resp.Header, b, nil
}

// absoluteURLs are the string values anywhere in v that are http(s) URLs, sorted.
func absoluteURLs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
				out = append(out, v)
			}
		}
	}
	walk(v)
	sort.Strings(out)
	return out
}
