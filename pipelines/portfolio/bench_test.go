package portfolio_test

import (
	"testing"
	"time"
)

// BenchmarkStages runs the batch with the portfolio stages alone on
// generated data and reports each portfolio stage's seconds (from the run
// manifest) besides the whole run's time per operation:
//
//	go test ./pipelines/portfolio/ -run '^$' -bench Stages -benchtime 1x
func BenchmarkStages(b *testing.B) {
	for _, n := range []int{100000} {
		b.Run(itoa(n), func(b *testing.B) { benchStages(b, n) })
	}
}

func benchStages(b *testing.B, n int) {
	end := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	cfg, _ := generated(b, n, end)
	secs := map[string]float64{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := run(b, cfg, time.Time{})
		for _, s := range m.Stages {
			secs[s.Name] += s.Seconds
		}
	}
	total := 0.0
	for _, s := range []string{"rfm", "clusters", "lifecycle", "profitability"} {
		b.ReportMetric(secs[s]/float64(b.N), s+"-s")
		total += secs[s]
	}
	b.ReportMetric(total/float64(b.N), "portfolio-s")
}

func itoa(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return fmtInt(n/1000000) + "M"
	case n >= 1000 && n%1000 == 0:
		return fmtInt(n/1000) + "k"
	}
	return fmtInt(n)
}

func fmtInt(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}
