package hystrix

import (
	"context"
	"testing"
)

// goblog: BenchmarkDo measures a command's own cost: a run that returns at
// once, through DoC and DoInline, with a fallback. (DoC without a fallback is
// left out: it returns before its ticket is back, so a loop of calls soon
// finds the pool empty, see DoInline.)
func BenchmarkDo(b *testing.B) {
	defer Flush()
	ctx := context.Background()
	run := func(context.Context) error { return nil }
	fallback := func(context.Context, error) error { return nil }
	ConfigureCommand("bench", CommandConfig{MaxConcurrentRequests: 1000})

	b.Run("DoC", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := DoC(ctx, "bench", run, fallback); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DoInline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := DoInline(ctx, "bench", run, fallback); err != nil {
				b.Fatal(err)
			}
		}
	})
}
