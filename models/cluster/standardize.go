package cluster

import "math"

// Scaler holds per-column means and standard deviations of a matrix.
type Scaler struct {
	// Mean and SD have one entry per column. SD is the population standard
	// deviation (divisor n, as scikit-learn's StandardScaler); it is 0 for
	// a constant column.
	Mean, SD []float64
}

// NewScaler returns the column means and standard deviations of the
// row-major matrix x with d columns. It panics if d < 1 or len(x) is not a
// multiple of d. NaN values propagate; impute them first.
func NewScaler(x []float64, d int) Scaler {
	n := rows(x, d)
	s := Scaler{Mean: make([]float64, d), SD: make([]float64, d)}
	if n == 0 {
		return s
	}
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			dv := v - s.Mean[j]
			s.SD[j] += dv * dv
		}
	}
	for j := range s.SD {
		s.SD[j] = math.Sqrt(s.SD[j] / float64(n))
	}
	return s
}

// Transform returns a new matrix (x - Mean) / SD. Columns whose SD is 0
// become 0, so a constant feature carries no weight in distances.
func (s Scaler) Transform(x []float64) []float64 {
	d := len(s.Mean)
	n := rows(x, d)
	z := make([]float64, len(x))
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			if s.SD[j] > 0 {
				z[i*d+j] = (x[i*d+j] - s.Mean[j]) / s.SD[j]
			}
		}
	}
	return z
}

// Inverse returns a new matrix z*SD + Mean in original units; constant
// columns come back as their mean.
func (s Scaler) Inverse(z []float64) []float64 {
	d := len(s.Mean)
	n := rows(z, d)
	x := make([]float64, len(z))
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x[i*d+j] = z[i*d+j]*s.SD[j] + s.Mean[j]
		}
	}
	return x
}

// Standardize returns x scaled to mean 0 and standard deviation 1 per
// column, and the Scaler that did it.
func Standardize(x []float64, d int) ([]float64, Scaler) {
	s := NewScaler(x, d)
	return s.Transform(x), s
}

// rows returns len(x)/d, panicking on a ragged matrix.
func rows(x []float64, d int) int {
	if d < 1 {
		panic("cluster: number of columns must be positive")
	}
	if len(x)%d != 0 {
		panic("cluster: matrix length is not a multiple of the number of columns")
	}
	return len(x) / d
}
