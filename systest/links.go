package systest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// LinksTheAPIHandsOut: every link the API hands out, followed through the
// edge, answers 200 (issue 10, item 5). It creates an account through the
// edge, follows its Location, then every absolute URL in the account it reads
// (imageData.url, and any link added later), each with a GET through the edge.
func LinksTheAPIHandsOut(t *testing.T, env Environment) {
	edge := env.EdgeURL()
	Convey("Given the edge of the "+env.Name(), t, func() {
		name := fmt.Sprintf("Links_%d", time.Now().UnixNano()%1_000_000)

		Convey("POST /api/accounts answers 201 with a Location on the edge", func() {
			created, err := linkRequest(http.MethodPost, edge+"/api/accounts", `{"name":"`+name+`"}`)
			So(err, ShouldBeNil)
			So(created.Status, ShouldEqual, http.StatusCreated)
			var acc struct{ ID, Name string }
			So(json.Unmarshal(created.Body, &acc), ShouldBeNil)
			location := created.Header.Get("Location")
			So(location, ShouldEqual, edge+"/api/accounts/"+acc.ID)

			Convey("following it answers 200 with that account", func() {
				var read map[string]any
				// Wait until imageservice answered (not the fallback) so imageData.url is its link.
				So(Eventually(env.Bounds().FirstRead, time.Second, func() error {
					r, err := linkRequest(http.MethodGet, location, "")
					if err != nil {
						return err
					}
					if r.Status != http.StatusOK {
						return fmt.Errorf("GET %s: %d %.300s", location, r.Status, r.Body)
					}
					read = nil
					if err := json.Unmarshal(r.Body, &read); err != nil {
						return fmt.Errorf("decoding %.300s: %w", r.Body, err)
					}
					if img, _ := read["imageData"].(map[string]any); img == nil || img["servedBy"] == FallbackImage {
						return fmt.Errorf("account %s has no image from imageservice: %v", acc.ID, read["imageData"])
					}
					return nil
				}), ShouldBeNil)
				So(read["name"], ShouldEqual, name)

				Convey("and every URL in it answers 200 through the edge", func() {
					links := absoluteURLs(read)
					So(links, ShouldNotBeEmpty) // at least imageData.url
					for _, link := range links {
						So(link, ShouldStartWith, edge+"/api/")
						r, err := linkRequest(http.MethodGet, link, "")
						So(err, ShouldBeNil)
						So(fmt.Sprintf("GET %s: %d", link, r.Status), ShouldEqual, fmt.Sprintf("GET %s: %d", link, http.StatusOK))
						So(len(r.Body), ShouldBeGreaterThan, 0)
						if strings.HasSuffix(link, ".jpg") {
							So(r.Header.Get("Content-Type"), ShouldEqual, "image/jpeg")
						}
					}
				})
			})
		})
	})
}

// linkRequest sends one request with NewClient, a JSON body when body is
// not empty.
func linkRequest(method, url, body string) (Response, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return Do(NewClient(), req)
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
