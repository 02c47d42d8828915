package main

import (
	"flag"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Scheduling. Most tests here run the batch end to end, a few seconds
// each; TestCrashSafety alone takes nearly as long as all the others
// together, mostly waiting on one one-thread crmbatch process at a time,
// which leaves the other core free.
// So the tests run in parallel, and TestCrashSafety starts first: the
// others then run beside it instead of after it (on 2 cores the package
// takes about as long as TestCrashSafety plus a little, instead of the sum
// of all tests). go test resumes its paused parallel tests in no set
// order, so the tests schedule themselves:
//   - a test that runs the batch calls heavy(t) after its -short check
//     (TestCrashSafety calls longPole(t)), not t.Parallel() alone, which
//     no limit would bound;
//   - slots, as many as -parallel says (GOMAXPROCS unless given), bounds
//     how many of them run at once;
//   - until TestCrashSafety holds a slot, when it is to run at all, the
//     others wait for it.
// A waiting test holds one of go test's own parallel places, so
// setupParallel lifts go test's limit: with GOMAXPROCS places, two waiting
// tests would keep TestCrashSafety from ever starting.

// slots holds one token per running heavy test.
var slots chan struct{}

// first is the test that starts before the others (TestCrashSafety), when
// it is to run in this pass of the tests.
var first struct {
	mu      sync.Mutex
	started chan struct{} // closed once it holds its slot; nil when it does not run
}

// setupParallel sizes slots from -parallel and lifts go test's own limit,
// so that a test waiting for TestCrashSafety to start never keeps it from
// starting. Called by TestMain.
func setupParallel() {
	flag.Parse()
	n := runtime.GOMAXPROCS(0)
	if f := flag.Lookup("test.parallel"); f != nil {
		// A -parallel that is not a positive number is left for go test
		// to refuse.
		if v, err := strconv.Atoi(f.Value.String()); err == nil && v > 0 {
			n = v
			f.Value.Set("1000000")
		}
	}
	slots = make(chan struct{}, n)
}

// heavy marks t parallel and waits for a slot, and for TestCrashSafety to
// have started if it is to run.
func heavy(t *testing.T) {
	t.Helper()
	t.Parallel()
	first.mu.Lock()
	started := first.started
	first.mu.Unlock()
	if started != nil {
		<-started
	}
	take(t)
}

// longPole marks t parallel and starts it before every heavy test.
func longPole(t *testing.T) {
	t.Helper()
	started := make(chan struct{})
	first.mu.Lock()
	first.started = started
	first.mu.Unlock()
	t.Parallel()
	take(t)
	close(started)
}

// take waits for a slot and gives it back when t ends. go test counts a
// test's time from when its parallel part starts, the wait for a slot
// included: the log says how long it held one.
func take(t *testing.T) {
	asked := time.Now()
	slots <- struct{}{}
	got := time.Now()
	t.Cleanup(func() {
		<-slots
		t.Logf("ran %.1fs on a test slot, after waiting %.1fs for one", time.Since(got).Seconds(), got.Sub(asked).Seconds())
	})
}
