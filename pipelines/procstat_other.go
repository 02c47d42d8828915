//go:build !unix

package pipelines

// cpuSeconds is not measured on this system.
func cpuSeconds() float64 { return 0 }

// ResetPeakRSS does nothing on this system.
func ResetPeakRSS() {}

// PeakRSS is not measured on this system.
func PeakRSS() int64 { return 0 }
