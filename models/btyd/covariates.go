package btyd

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Covariates is a matrix of time-invariant customer covariates (channel,
// region, acquisition campaign, ...) held as columns, so that a column of
// an Arrow record (array.Float64.Float64Values()) is used without a copy.
// The zero value has no columns.
//
// Covariates enter the models through exp(z'β) on a parameter, so binary
// indicators or centred and scaled values keep the coefficients on a
// comparable scale and exp(z'β) finite; a constant column duplicates the
// baseline parameter and is not identified.
type Covariates struct {
	// Names are the covariate names, one per column.
	Names []string
	// Columns[j][i] is covariate j of customer i; every column has one
	// element per customer.
	Columns [][]float64
}

// Len returns the number of covariates (columns).
func (c Covariates) Len() int { return len(c.Columns) }

// Row copies the covariates of customer i into dst (allocated if nil) and
// returns it.
func (c Covariates) Row(i int, dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(c.Columns))
	}
	for j, col := range c.Columns {
		dst[j] = col[i]
	}
	return dst
}

// dot returns z_i'coef for customer i.
func (c Covariates) dot(i int, coef []float64) float64 {
	var s float64
	for j, col := range c.Columns {
		s += col[i] * coef[j]
	}
	return s
}

// check panics if the names and columns do not match or a column does not
// have n elements, and returns an error naming the first non-finite value.
func (c Covariates) check(what string, n int) error {
	if len(c.Names) != len(c.Columns) {
		panic(fmt.Sprintf("btyd: %s covariates have %d names and %d columns", what, len(c.Names), len(c.Columns)))
	}
	for j, col := range c.Columns {
		if len(col) != n {
			panic(fmt.Sprintf("btyd: %s covariate %q has %d values for %d customers", what, c.Names[j], len(col), n))
		}
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("btyd: customer %d: %s covariate %q is %v; covariates must be finite", i, what, c.Names[j], v)
			}
		}
	}
	return nil
}

// CovariateModel is a repeat-purchase model with time-invariant covariates,
// fitted by FitBGNBDCov or FitParetoNBDCov. Given its covariates a customer
// follows the plain model with their own parameters, so every prediction of
// Model applies to the model returned by Customer.
type CovariateModel interface {
	// Name returns the model's name, e.g. "BG/NBD".
	Name() string
	// Params returns the parameter names and values: the baseline
	// parameters (a customer whose covariates are all zero) followed by
	// the coefficients.
	Params() ([]string, []float64)
	// Customer returns the model of customer i with the covariates of row
	// i of purchase and dropout.
	Customer(i int, purchase, dropout Covariates) Model
}

var (
	_ CovariateModel = BGNBDCov{}
	_ CovariateModel = ParetoNBDCov{}
)

// ScoreCov is Score for a model with covariates: for every customer,
// P(alive) and the expected number of purchases in the next t time units
// under the customer's own parameters, m.Customer(i, purchase, dropout),
// written into pAlive and expected (allocated if nil). The work is spread
// over workers goroutines (zero means runtime.GOMAXPROCS(0)). It panics if
// the lengths differ.
func ScoreCov(m CovariateModel, t float64, frequency, recency, T []float64, purchase, dropout Covariates, pAlive, expected []float64, workers int) ([]float64, []float64) {
	n := len(frequency)
	if len(recency) != n || len(T) != n {
		panic("btyd: frequency, recency and T have different lengths")
	}
	for _, c := range []Covariates{purchase, dropout} {
		for _, col := range c.Columns {
			if len(col) != n {
				panic("btyd: covariate columns differ in length from frequency")
			}
		}
	}
	if pAlive == nil {
		pAlive = make([]float64, n)
	}
	if expected == nil {
		expected = make([]float64, n)
	}
	if len(pAlive) != n || len(expected) != n {
		panic("btyd: destination lengths differ from frequency")
	}
	parallelFor(n, normWorkers(workers), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c := m.Customer(i, purchase, dropout)
			pAlive[i] = c.ProbabilityAlive(frequency[i], recency[i], T[i])
			expected[i] = c.ConditionalExpectedPurchases(t, frequency[i], recency[i], T[i])
		}
	})
	return pAlive, expected
}

func normWorkers(w int) int {
	if w <= 0 {
		return (*Settings)(nil).workers()
	}
	return w
}

// covSummary is a recency-frequency summary with covariates: one row per
// distinct (x, t_x, T, covariate pattern), where a pattern is a distinct
// pair of purchase and dropout covariate rows. Binary or categorical
// covariates give few patterns, so rows stay about as few as in summary;
// continuous covariates give one pattern per customer.
type covSummary struct {
	*summary         // rows (x, t_x, T, w) and their x, t_x, T tables
	pat      []int32 // pattern of each row
	zp, zd   [][]float64
	kp, kd   int
}

// newCovSummary validates and deduplicates customers with covariates. It
// panics on mismatched lengths and returns an error naming the first
// invalid customer.
func newCovSummary(frequency, recency, T, weights []float64, purchase, dropout Covariates) (*covSummary, error) {
	n := len(frequency)
	if len(recency) != n || len(T) != n {
		panic("btyd: frequency, recency and T have different lengths")
	}
	if weights != nil && len(weights) != n {
		panic("btyd: weights and frequency have different lengths")
	}
	if err := purchase.check("purchase", n); err != nil {
		return nil, err
	}
	if err := dropout.check("dropout", n); err != nil {
		return nil, err
	}
	cs := &covSummary{kp: purchase.Len(), kd: dropout.Len()}
	pats := map[string]int32{}
	key := make([]byte, 8*(cs.kp+cs.kd))
	patOf := make([]int32, n)
	for i := range n {
		for j, col := range purchase.Columns {
			binary.LittleEndian.PutUint64(key[8*j:], math.Float64bits(col[i]))
		}
		for j, col := range dropout.Columns {
			binary.LittleEndian.PutUint64(key[8*(cs.kp+j):], math.Float64bits(col[i]))
		}
		p, ok := pats[string(key)]
		if !ok {
			p = int32(len(cs.zp))
			pats[string(key)] = p
			cs.zp = append(cs.zp, purchase.Row(i, nil))
			cs.zd = append(cs.zd, dropout.Row(i, nil))
		}
		patOf[i] = p
	}
	s, rowPat, err := summaryByPattern(frequency, recency, T, weights, patOf)
	if err != nil {
		return nil, err
	}
	cs.summary, cs.pat = s, rowPat
	return cs, nil
}

// summaryByPattern is newSummary with the customer's pattern as a fourth
// key; it returns the pattern of each row.
func summaryByPattern(frequency, recency, T, weights []float64, pat []int32) (*summary, []int32, error) {
	s := &summary{}
	type key struct {
		x, tx, T float64
		p        int32
	}
	rows := make(map[key]int32, len(frequency)/4+16)
	xs, ts, Ts := map[float64]int32{}, map[float64]int32{}, map[float64]int32{}
	index := func(m map[float64]int32, v float64, vals *[]float64) int32 {
		i, ok := m[v]
		if !ok {
			i = int32(len(*vals))
			m[v] = i
			*vals = append(*vals, v)
		}
		return i
	}
	var rowPat []int32
	for i, x := range frequency {
		tx, t := recency[i], T[i]
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		if err := checkCustomer(i, x, tx, t, w); err != nil {
			return nil, nil, err
		}
		if w == 0 {
			continue
		}
		if x == 0 {
			tx = 0 // recency carries no information without repeat purchases
		}
		k := key{x, tx, t, pat[i]}
		j, ok := rows[k]
		if !ok {
			j = int32(len(s.x))
			rows[k] = j
			s.x, s.tx, s.T, s.w = append(s.x, x), append(s.tx, tx), append(s.T, t), append(s.w, 0)
			s.xi = append(s.xi, index(xs, x, &s.xv))
			s.ti = append(s.ti, index(ts, tx, &s.tv))
			s.Ti = append(s.Ti, index(Ts, t, &s.Tv))
			rowPat = append(rowPat, pat[i])
		}
		s.w[j] += w
		s.n += w
	}
	if len(s.x) == 0 {
		return nil, nil, fmt.Errorf("btyd: no customers with positive weight to fit")
	}
	return s, rowPat, nil
}

// byPattern returns, for each pattern, the sum of v over its rows.
func (cs *covSummary) byPattern(v []float64) []float64 {
	out := make([]float64, len(cs.zp))
	for i, p := range cs.pat {
		out[p] += v[i]
	}
	return out
}

// linear returns z'coef for each pattern.
func linear(z [][]float64, coef []float64) []float64 {
	out := make([]float64, len(z))
	for p, row := range z {
		for j, v := range row {
			out[p] += v * coef[j]
		}
	}
	return out
}

// chain adds to grad, for each pattern p with derivative d[p] of the
// log-likelihood with respect to log θ_p where θ_p = θ exp(sign z_p'coef):
// d[p] to the log θ slot and sign z_pj d[p] to coefficient j's slot
// (off+j). grad holds derivatives of the log-likelihood (not negated).
func chain(grad []float64, slot int, off int, sign float64, z [][]float64, d []float64) {
	for p, dp := range d {
		grad[slot] += dp
		for j, v := range z[p] {
			grad[off+j] += sign * v * dp
		}
	}
}

// coefNames returns prefix+name for each covariate name.
func coefNames(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}
