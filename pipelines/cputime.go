//go:build unix

package pipelines

import "syscall"

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
