package logit

import (
	"fmt"
	"testing"
)

var benchCoef = func() []float64 {
	b := make([]float64, 30)
	for j := range b {
		b[j] = 0.6 * float64((j%7)-3) / 3
	}
	return b
}()

// benchFit fits simulated rows x 30 standard-normal features (C=1, with
// standard errors unless noSE).
func benchFit(b *testing.B, rows int, noSE bool) {
	x, y := simulate(rows, -0.5, benchCoef, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Fit(Problem{X: x, Y: y}, &Settings{NoStdErr: noSE})
		if err != nil || res.Err() != nil {
			b.Fatal(err, res.Err())
		}
		b.ReportMetric(float64(res.Iterations), "iters")
	}
}

func BenchmarkFit(b *testing.B) {
	for _, rows := range []int{1e4, 1e5, 1e6} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) { benchFit(b, rows, false) })
	}
	b.Run("rows=1000000/noSE", func(b *testing.B) { benchFit(b, 1e6, true) })
}

func BenchmarkScore(b *testing.B) {
	for _, rows := range []int{1e4, 1e6} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			x, y := simulate(rows, -0.5, benchCoef, 2)
			res, err := Fit(Problem{X: x, Y: y}, &Settings{NoStdErr: true})
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]float64, rows)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res.Predict(x, dst)
			}
		})
	}
}
