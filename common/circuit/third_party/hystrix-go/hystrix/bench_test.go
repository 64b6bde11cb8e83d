package hystrix

import (
	"context"
	"testing"
)

// goblog: BenchmarkDoC measures a command's own cost: a run that returns at
// once, through DoC, with and without a fallback.
func BenchmarkDoC(b *testing.B) {
	defer Flush()
	ctx := context.Background()
	run := func(context.Context) error { return nil }
	fallback := func(context.Context, error) error { return nil }
	ConfigureCommand("bench", CommandConfig{MaxConcurrentRequests: 1000})

	b.Run("no fallback", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := DoC(ctx, "bench", run, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fallback", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := DoC(ctx, "bench", run, fallback); err != nil {
				b.Fatal(err)
			}
		}
	})
}
