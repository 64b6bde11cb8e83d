//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// 11. A malformed VIP notification is rejected by vipservice without requeue and, through the
// broker's vip-dead-letters policy (support/rabbitmq/definitions.template.json), kept in
// vip_queue.dead instead of being dropped.
func TestMalformedVIPMessageIsDeadLettered(t *testing.T) {
	Convey("Given vipservice consuming vip_queue", t, func() {
		So(waitReady("vipservice", 3*time.Minute), ShouldBeNil)
		So(waitReady("rabbitmq", 3*time.Minute), ShouldBeNil)
		mgmt, err := newManagement()
		So(err, ShouldBeNil)
		tasks, err := runningTasks("vipservice")
		So(err, ShouldBeNil)
		rejectedBefore, err := vipCount(tasks, "rejected")
		So(err, ShouldBeNil)

		Convey("When a message that is not a VIP event is published to vip_queue", func() {
			payload := fmt.Sprintf("not a VIP event %d", time.Now().UnixNano())
			So(mgmt.publishPersistent("vip_queue", payload), ShouldBeNil)

			Convey("vipservice counts it as rejected, and it lands in vip_queue.dead", func() {
				So(eventually(time.Minute, time.Second, func() error {
					n, err := vipCount(tasks, "rejected")
					if err == nil && n <= rejectedBefore {
						err = fmt.Errorf("vipservice rejected %d messages, no more than before (%d)", n, rejectedBefore)
					}
					return err
				}), ShouldBeNil)
				// Earlier runs may have left dead letters: look for this one.
				found := false
				So(eventually(time.Minute, time.Second, func() error {
					for {
						got, err := mgmt.getOne("vip_queue.dead")
						if err != nil {
							return err
						}
						if got == payload {
							found = true
							return nil
						}
					}
				}), ShouldBeNil)
				So(found, ShouldBeTrue)
			})
		})
	})
}
