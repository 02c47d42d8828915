package pipelines

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// traceMem, set by CRMBATCH_TRACE_MEM=1, samples the resident memory four
// times a second and prints each new high of a stage to standard error
// with the Go heap beside it, so that a stage's peak can be split into Go
// (heap in use, and what the runtime holds and has not released) and the rest
// (DuckDB's buffer pool and its other allocations).
var traceMem = os.Getenv("CRMBATCH_TRACE_MEM") == "1"

var memStage atomic.Value // string: the stage running

var memTraceOnce sync.Once

// startMemTrace starts the sampler, once per process.
func startMemTrace() {
	if !traceMem {
		return
	}
	memTraceOnce.Do(func() { go sampleMem() })
}

func sampleMem() {
	var high int64
	var last string
	for range time.Tick(250 * time.Millisecond) {
		stage, _ := memStage.Load().(string)
		if stage != last {
			high, last = 0, stage
		}
		rss := statusKB("VmRSS")
		if rss <= high+50<<10 { // KiB: print rises of 50 MB or more
			continue
		}
		high = rss
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		goRes := int64(ms.Sys-ms.HeapReleased) >> 20 // what Go holds, roughly resident
		fmt.Fprintf(os.Stderr, "mem %-16s rss %6d MB  go heap in use %5d MB, held %5d MB  rest %6d MB\n",
			stage, rss>>10, ms.HeapInuse>>20, goRes, rss>>10-goRes)
	}
}

// statusKB returns a memory field of /proc/self/status in KiB (VmRSS, the
// resident memory now; VmHWM, its peak), or 0 where there is none.
func statusKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field+":" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}
