//go:build unix

package pipelines

import (
	"os"
	"syscall"
)

// What a stage cost the process, for the manifest and crmbatch bench.

// cpuSeconds is the CPU time (user and system) the process has used so
// far, Go and DuckDB's threads together. On a shared machine a stage's CPU
// time drifts less than its wall time, so the bench reports both.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// ResetPeakRSS resets the process's peak resident memory (Linux); elsewhere
// the peak stays the process's since it started.
func ResetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// PeakRSS returns the peak resident memory in KiB since the last
// ResetPeakRSS (Linux), else since the process started.
func PeakRSS() int64 {
	if n := statusKB("VmHWM"); n > 0 {
		return n
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss
}
