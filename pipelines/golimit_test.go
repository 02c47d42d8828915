package pipelines

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// The soft limit follows the live heap up when it passes the floor, and
// comes back down to the floor when the heap is let go.
func TestLimitGoMemory(t *testing.T) {
	const floor = 64 << 20
	stop := LimitGoMemory(floor)
	defer stop()
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	waitFor := func(ok func(int64) bool) int64 {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			runtime.GC()
			if l := limit(); ok(l) {
				return l
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("soft limit stayed at %d MiB", limit()>>20)
		return 0
	}
	if l := limit(); l != floor {
		t.Fatalf("limit %d MiB at the start, want the floor %d MiB", l>>20, floor>>20)
	}
	live := make([]byte, 256<<20) // 256 MiB live, four times the floor
	for i := range live {
		live[i] = byte(i)
	}
	l := waitFor(func(l int64) bool { return l >= 300<<20 })
	if l > 400<<20 {
		t.Errorf("limit %d MiB for 256 MiB live: want about 1.25 x live", l>>20)
	}
	runtime.KeepAlive(live)
	live = nil
	waitFor(func(l int64) bool { return l == floor })
}
