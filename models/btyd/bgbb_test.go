package btyd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// donations is the recency-frequency matrix of the 1995 cohort of 11,104
// first-time supporters of Fader, Hardie & Shang (2010), from
// testdata/donations_bgbb (see SOURCE.md): one row per (x, t_x, n = 6) with
// the number of donors as weight.
type donations struct{ x, tx, n, w []float64 }

func loadDonations(t testing.TB) donations {
	t.Helper()
	var d donations
	for _, row := range readCSV(t, "../../testdata/donations_bgbb/donations.csv") {
		v := parseFloats(t, row)
		d.x, d.tx, d.n, d.w = append(d.x, v[0]), append(d.tx, v[1]), append(d.n, v[2]), append(d.w, v[3])
	}
	var total float64
	for _, w := range d.w {
		total += w
	}
	if len(d.x) != 22 || total != 11104 {
		t.Fatalf("donations.csv: %d rows, %v donors; want 22 rows, 11104 donors", len(d.x), total)
	}
	return d
}

// bgbbBTYD holds the BTYD walkthrough §5 estimates [PKG] (REFERENCES.md §5).
var bgbbBTYD = BGBB{Alpha: 1.203507, Beta: 0.7497667, Gamma: 0.6567568, Delta: 2.783887}

func TestFitBGBBDonations(t *testing.T) {
	d := loadDonations(t)
	m, fit, err := FitBGBB(d.x, d.tx, d.n, &Settings{Weights: d.w})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", fit)
	if !fit.Converged || fit.Customers != 11104 || fit.Distinct != 22 {
		t.Fatalf("fit: %v", fit)
	}
	// REFERENCES.md §5 [CALC]: 1.2035, 0.7497, 0.6567, 2.7834, LL -33225.581;
	// BTYD walkthrough §5: 1.203507, 0.7497667, 0.6567568, 2.783887,
	// LL -33225.58; lifetimes test "close to Hardie paper": 1.204, 0.750,
	// 0.657, 2.783.
	for i, want := range []float64{1.2035, 0.7497, 0.6567, 2.7834} {
		assertRel(t, fit.Names[i], fit.Estimates[i], want, 1e-3)
	}
	assertClose(t, "LL", fit.LogLikelihood, -33225.58, 0.01)
	for i, se := range fit.StdErrors {
		if !(se > 0) || se > fit.Estimates[i] {
			t.Errorf("se(%s) = %v", fit.Names[i], se)
		}
	}
	// The unaggregated cohort (one row per donor) gives the same fit.
	var x, tx, n []float64
	for i, w := range d.w {
		for range int(w) {
			x, tx, n = append(x, d.x[i]), append(tx, d.tx[i]), append(n, d.n[i])
		}
	}
	m2, fit2, err := FitBGBB(x, tx, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fit2.Distinct != 22 || math.Abs(fit2.LogLikelihood-fit.LogLikelihood) > 1e-6 {
		t.Errorf("expanded fit %v; weighted %v", fit2, fit)
	}
	assertRel(t, "alpha expanded", m2.Alpha, m.Alpha, 1e-6)
}

func TestBGBBPredictionsDonations(t *testing.T) {
	m := bgbbBTYD
	// BTYD walkthrough §5.3 [PKG]: E[X(10)] for a new donor and the
	// conditional expectations of two donors over the next 10 opportunities
	// after n = 6: 3.179805, 0.1302169, 3.627858. The parameters BTYD printed
	// (bgbbBTYD) give 3.179828, 0.1302344, 3.627943 with BTYD's own
	// formulas (bgbb.Expectation, bgbb.ConditionalExpectedTransactions, the
	// same as ours): the printed values were computed with parameters that
	// differ in the 4th digit, from another row of the walkthrough's
	// re-estimation table. Parameters that reproduce all three values
	// exactly exist near the maximum (e.g. 1.20430, 0.750223, 0.656820,
	// 2.784091, LL -33225.5815, 2e-4 below the maximum), so the references
	// are consistent with the model; at the printed parameters they hold to
	// 1e-5 relative for E[X(10)] and donor (4, 5) and 1.4e-4 for donor
	// (0, 0). Our own MLE gives 3.179829, 0.1302181, 3.627968.
	assertRel(t, "E[X(10)]", m.ExpectedPurchases(10), 3.179805, 1e-5)
	assertRel(t, "E[X(6,16)|0,0,6]", m.ConditionalExpectedPurchases(10, 0, 0, 6), 0.1302169, 1.5e-4)
	assertRel(t, "E[X(6,16)|4,5,6]", m.ConditionalExpectedPurchases(10, 4, 5, 6), 3.627858, 3e-5)
	// The closed forms at the printed parameters, to 7 digits (computed
	// with Python's math.lgamma from the formulas above).
	assertClose(t, "E[X(10)] closed form", m.ExpectedPurchases(10), 3.1798278843524033, 1e-12)
	near := BGBB{Alpha: 1.2042981146226268, Beta: 0.7502228105461459, Gamma: 0.6568195982691889, Delta: 2.7840912570970358}
	assertClose(t, "E[X(10)] near", near.ExpectedPurchases(10), 3.179805, 5e-7)
	assertClose(t, "E[X(6,16)|0,0,6] near", near.ConditionalExpectedPurchases(10, 0, 0, 6), 0.1302169, 5e-8)
	assertClose(t, "E[X(6,16)|4,5,6] near", near.ConditionalExpectedPurchases(10, 4, 5, 6), 3.627858, 5e-7)

	// lifetimes tests from Hardie's BG/BB spreadsheet (brucehardie.com/notes/010),
	// at the spreadsheet's 2-decimal rounding: P(alive in 2002) = P(alive at
	// opportunity 7).
	for _, tc := range []struct{ x, tx, want float64 }{{0, 0, 0.11}, {2, 4, 0.59}, {6, 6, 0.93}} {
		assertClose(t, fmt.Sprintf("P(alive | %v, %v, 6)", tc.x, tc.tx), m.ProbabilityAlive(tc.x, tc.tx, 6), tc.want, 0.005)
	}
}

// TestBGBBCohortTotals checks the cohort totals of lifetimes' tests from
// Hardie's spreadsheet (REFERENCES.md §5): with the fitted parameters, the
// sum over donors of E[# repeat donations in 2002-2006] is 12884.2 and the
// expected numbers of donors with 0 and with 6 repeat donations in
// 1996-2001 are 3454.9 and 1253.1.
func TestBGBBCohortTotals(t *testing.T) {
	d := loadDonations(t)
	m, _, err := FitBGBB(d.x, d.tx, d.n, &Settings{Weights: d.w})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for i, w := range d.w {
		sum += w * m.ConditionalExpectedPurchases(5, d.x[i], d.tx[i], d.n[i])
	}
	assertClose(t, "sum E[X(6,11)]", sum, 12884.2, 0.05)
	assertClose(t, "donors with 0", 11104*m.ProbabilityOfPurchases(6, 0), 3454.9, 0.05)
	assertClose(t, "donors with 6", 11104*m.ProbabilityOfPurchases(6, 6), 1253.1, 0.05)
	t.Logf("sum %.4f, zero %.4f, six %.4f", sum, 11104*m.ProbabilityOfPurchases(6, 0), 11104*m.ProbabilityOfPurchases(6, 6))
}

// TestBGBBIdentities checks the model against itself: P(X(n)=x) sums to one
// and its mean is E[X(n)]; the likelihood of all histories of n
// opportunities sums to one; the conditional expectation of a new customer
// (0, 0, 0) is E[X(n*)]; gradient against central differences.
func TestBGBBIdentities(t *testing.T) {
	for _, m := range []BGBB{bgbbBTYD, {Alpha: 0.3, Beta: 5, Gamma: 2, Delta: 0.4}, {Alpha: 2, Beta: 2, Gamma: 1, Delta: 3}} {
		for _, n := range []int{1, 6, 20} {
			var s, mean float64
			for x := 0; x <= n; x++ {
				p := m.ProbabilityOfPurchases(n, x)
				s += p
				mean += float64(x) * p
			}
			assertClose(t, fmt.Sprint(m, " sum P(X(n)=x) n=", n), s, 1, 1e-12)
			assertClose(t, fmt.Sprint(m, " mean X(n) n=", n), mean, m.ExpectedPurchases(float64(n)), 1e-9)
			// Histories (x, t_x): x = 0 once, else x <= t_x <= n with
			// C(t_x-1, x-1) orderings of the first x-1 transactions.
			var total float64
			for x := 0; x <= n; x++ {
				for tx := x; tx <= n; tx++ {
					if x == 0 && tx > 0 {
						break
					}
					c := 1.0
					if x > 0 {
						c = math.Exp(lchoose(tx-1, x-1))
					}
					total += c * math.Exp(m.LogLikelihood(float64(x), float64(tx), float64(n)))
				}
			}
			assertClose(t, fmt.Sprint(m, " sum L n=", n), total, 1, 1e-12)
			assertClose(t, fmt.Sprint(m, " E[Y|0,0,0]"), m.ConditionalExpectedPurchases(float64(n), 0, 0, 0), m.ExpectedPurchases(float64(n)), 1e-12)
		}
		// The period-by-period sum and the closed form agree (non-integer
		// n* uses the closed form); a fractional n* lies between its
		// neighbours.
		for _, n := range []float64{0, 6} {
			lo, hi := m.remaining(n, 10), m.remaining(n, 10.5)
			if !(lo < hi && hi < m.remaining(n, 11)) {
				t.Errorf("%v: remaining(%v, 10..11) = %v, %v, %v not increasing", m, n, lo, hi, m.remaining(n, 11))
			}
			if m.Gamma != 1 {
				g, d := m.Gamma, m.Delta
				c := lgamma(g+d) - lgamma(1+d)
				closed := d / (g - 1) * (math.Exp(c+lgamma(1+d+n)-lgamma(g+d+n)) - math.Exp(c+lgamma(1+d+n+10)-lgamma(g+d+n+10)))
				assertClose(t, fmt.Sprint(m, " sum vs closed form"), lo, closed, 1e-12*closed)
			}
		}
		// A customer seen alive at every opportunity is more likely alive
		// than one silent since the first.
		if !(m.ProbabilityAlive(6, 6, 6) > m.ProbabilityAlive(1, 1, 6)) {
			t.Errorf("%v: P(alive) not increasing in recency", m)
		}
	}
	d := loadDonations(t)
	data, err := newBGBBData(d.x, d.tx, d.n, d.w)
	if err != nil {
		t.Fatal(err)
	}
	for _, lp := range [][]float64{{0, 0, 0, 0}, {0.2, -0.3, -0.4, 1}} {
		g := make([]float64, 4)
		data.nll(lp, g)
		for j := range lp {
			const h = 1e-6
			p, q := append([]float64(nil), lp...), append([]float64(nil), lp...)
			p[j] += h
			q[j] -= h
			fd := (data.nll(p, nil) - data.nll(q, nil)) / (2 * h)
			assertClose(t, fmt.Sprintf("grad[%d] at %v", j, lp), g[j], fd, 1e-5*math.Max(1, math.Abs(fd)))
		}
	}
}

func TestFitBGBBInputErrors(t *testing.T) {
	for name, c := range map[string][3]float64{
		"fractional": {1.5, 2, 6}, "x > t_x": {3, 2, 6}, "t_x > n": {2, 7, 6}, "negative": {-1, 0, 6},
	} {
		if _, _, err := FitBGBB([]float64{c[0]}, []float64{c[1]}, []float64{c[2]}, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// simulateBGBB draws count customers from m, Fader, Hardie & Shang (2010)
// Sec. 2: p ~ Beta(α, β), θ ~ Beta(γ, δ); at each of the customer's n
// opportunities after the first, an alive customer first dies with
// probability θ and otherwise transacts with probability p. n is uniform on
// 1..maxN (cohorts acquired at different times).
func simulateBGBB(src rand.Source, m BGBB, count, maxN int) (x, tx, n []float64) {
	rng := rand.New(src)
	pd := distuv.Beta{Alpha: m.Alpha, Beta: m.Beta, Src: src}
	td := distuv.Beta{Alpha: m.Gamma, Beta: m.Delta, Src: src}
	for range count {
		p, th := pd.Rand(), td.Rand()
		ni := 1 + rng.IntN(maxN)
		xi, last := 0, 0
		for k := 1; k <= ni; k++ {
			if rng.Float64() < th {
				break
			}
			if rng.Float64() < p {
				xi++
				last = k
			}
		}
		x, tx, n = append(x, float64(xi)), append(tx, float64(last)), append(n, float64(ni))
	}
	return x, tx, n
}

// TestRecoverBGBB fits 20,000 simulated customers with the donations
// estimates as truth; every estimate must lie within 2.5 standard errors.
func TestRecoverBGBB(t *testing.T) {
	truth := BGBB{Alpha: 1.2035, Beta: 0.7497, Gamma: 0.6567, Delta: 2.7834}
	x, tx, n := simulateBGBB(rand.NewPCG(21, 1), truth, 20_000, 12)
	_, fit, err := FitBGBB(x, tx, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, want := truth.Params()
	for i, w := range want {
		z := (fit.Estimates[i] - w) / fit.StdErrors[i]
		t.Logf("%s = %.4f, truth %.4f, z = %.2f", fit.Names[i], fit.Estimates[i], w, z)
		if !(math.Abs(z) <= 2.5) {
			t.Errorf("%s: %.2f standard errors from the truth", fit.Names[i], z)
		}
	}
}

// BenchmarkFitBGBB fits simulated cohorts with 1..52 opportunities (weekly
// opportunities over a year) in the size tiers of benchSizes. Identical
// (x, t_x, n) are fitted once, so beyond the deduplication the cost does not
// grow with the number of customers.
func BenchmarkFitBGBB(b *testing.B) {
	truth := BGBB{Alpha: 1.2035, Beta: 0.7497, Gamma: 0.6567, Delta: 2.7834}
	benchSizes(b, 1e3, 1e6, func(b *testing.B, _ *benchData, n int) {
		b.StopTimer()
		x, tx, per := simulateBGBB(rand.NewPCG(22, uint64(n)), truth, n, 52)
		b.StartTimer()
		for b.Loop() {
			if _, _, err := FitBGBB(x, tx, per, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
