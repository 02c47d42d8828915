package pipelines

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// LimitGoMemory keeps Go's own memory near floor bytes, or a quarter above
// the live heap when a stage needs more than that. Go shares the machine
// with DuckDB, which keeps to its memory_limit: without a limit the Go
// heap grows to twice its live size between collections (at 1M customers
// churn held 1.9 GB for 0.8 GB of live data), and a fixed limit below the
// live heap makes the collector run without pause (at 3M customers
// churn's 1.8 GB of training data, against a 1 GiB limit). Twice a second
// the soft limit is set to the larger of floor and 1.25 x the heap that
// was live at the last collection. stop ends that and restores the limit
// there was before.
func LimitGoMemory(floor int64) (stop func()) {
	before := debug.SetMemoryLimit(floor)
	done := make(chan struct{})
	go func() {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				debug.SetMemoryLimit(before)
				return
			case <-t.C:
			}
			metrics.Read(s)
			if s[0].Value.Kind() == metrics.KindUint64 {
				live := int64(s[0].Value.Uint64())
				debug.SetMemoryLimit(max(floor, live+live/4))
			}
		}
	}()
	return func() { close(done) }
}
