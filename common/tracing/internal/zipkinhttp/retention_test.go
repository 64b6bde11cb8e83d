package zipkinhttp

// goblog: this file is not upstream's. It checks the one change of this copy:
// spans that were sent or disposed are no longer referenced by the batch's
// array (see README.md).

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/reporter"
	. "github.com/smartystreets/goconvey/convey"
)

// idleReporter is an httpReporter without its loop and send goroutines, so
// the test drives append and sendBatch itself.
func idleReporter(url string, maxBacklog int) *httpReporter {
	return &httpReporter{
		url:        url,
		client:     &http.Client{},
		logger:     log.New(io.Discard, "", 0),
		maxBacklog: maxBacklog,
		batchMtx:   &sync.Mutex{},
		serializer: reporter.JSONSerializer{},
		reqTimeout: 5 * time.Second,
	}
}

func span(i uint64) *model.SpanModel {
	return &model.SpanModel{
		SpanContext: model.SpanContext{TraceID: model.TraceID{Low: i}, ID: model.ID(i)},
		Name:        "get",
		Timestamp:   time.Now(),
		Tags:        map[string]string{"account.id": "10001"},
	}
}

// referenced counts the non-nil slots of arr, the batch's array as it was
// before a send.
func referenced(arr []*model.SpanModel) int {
	n := 0
	for _, s := range arr {
		if s != nil {
			n++
		}
	}
	return n
}

func TestSentSpansAreNotKept(t *testing.T) {
	Convey("Given a reporter whose collector answers with status", t, func() {
		for _, status := range []int{http.StatusAccepted, http.StatusInternalServerError} {
			var posts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				posts.Add(1)
				w.WriteHeader(status)
			}))
			r := idleReporter(srv.URL, 1000)
			for i := uint64(1); i <= 5; i++ {
				r.append(span(i))
			}
			arr := r.batch[:5:5]

			Convey(http.StatusText(status)+": once the batch is posted, its array holds none of its spans", func() {
				So(r.sendBatch(), ShouldBeNil)
				So(posts.Load(), ShouldEqual, 1)
				So(r.batch, ShouldBeEmpty)
				So(referenced(arr), ShouldEqual, 0)
			})
			Reset(srv.Close)
		}
	})

	Convey("Given a collector that cannot be reached", t, func() {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		r := idleReporter(url, 1000)
		for i := uint64(1); i <= 3; i++ {
			r.append(span(i))
		}

		Convey("the batch and its spans are kept for the next attempt, as upstream keeps them", func() {
			So(r.sendBatch(), ShouldNotBeNil)
			So(r.batch, ShouldHaveLength, 3)
			So(referenced(r.batch), ShouldEqual, 3)
		})
	})

	Convey("Given a backlog of 2", t, func() {
		r := idleReporter("http://127.0.0.1:1", 2)
		r.batch = make([]*model.SpanModel, 0, 4)
		arr := r.batch[:3]
		for i := uint64(1); i <= 3; i++ {
			r.append(span(i))
		}

		Convey("the span disposed of to make room is no longer referenced", func() {
			So(r.batch, ShouldHaveLength, 2)
			So(r.batch[0].ID, ShouldEqual, model.ID(2))
			So(r.batch[1].ID, ShouldEqual, model.ID(3))
			So(arr[0], ShouldBeNil)
		})
	})
}
