package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestAnswered(t *testing.T) {
	Convey("Given a server that answers POSTs 201 with a body and GETs 404", t, func() {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(`{"id":"10100"}`))
				return
			}
			http.NotFound(w, r)
		}))
		defer srv.Close()

		Convey("When a load sends POSTs and GETs with Answered set on both", func() {
			var mu sync.Mutex
			answers := map[int][]string{}
			record := func(status int, body []byte) {
				mu.Lock()
				defer mu.Unlock()
				answers[status] = append(answers[status], string(body))
			}
			reqs := []Request{
				{Method: http.MethodPost, URL: srv.URL, Body: `{"name":"x"}`, Want: http.StatusCreated, Answered: record},
				{URL: srv.URL, Answered: record},
			}
			run := StartRequests(context.Background(), &http.Client{Timeout: 5 * time.Second}, reqs, 50)
			deadline := time.Now().Add(10 * time.Second)
			for sent, _, _ := run.Snapshot(); sent < 10 && time.Now().Before(deadline); sent, _, _ = run.Snapshot() {
				time.Sleep(10 * time.Millisecond) // polling a count, bounded by the deadline
			}
			res := run.Stop()

			Convey("every answer reaches Answered with its status and body, wanted or not", func() {
				mu.Lock()
				defer mu.Unlock()
				So(len(answers[http.StatusCreated]), ShouldEqual, res.OK)
				So(len(answers[http.StatusNotFound]), ShouldEqual, res.Failed)
				So(res.OK+res.Failed, ShouldEqual, res.Sent)
				So(answers[http.StatusCreated], ShouldNotBeEmpty)
				So(answers[http.StatusCreated][0], ShouldEqual, `{"id":"10100"}`)
			})
		})
	})
}
