package gen

import (
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"gonum.org/v1/gonum/mathext"
)

// hyp2f1 is the Gauss hypergeometric series 2F1(a, b; c; z) for 0 <= z < 1.
func hyp2f1(a, b, c, z float64) float64 {
	sum, term := 1.0, 1.0
	for n := 0.0; n < 1e6; n++ {
		term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
		sum += term
		if math.Abs(term) < 1e-15*math.Abs(sum) {
			break
		}
	}
	return sum
}

// expectedX is the BG/NBD expected number of repeat purchases in (0, t],
// Fader, Hardie and Lee (2005), "Counting your customers the easy way",
// the E[X(t)] expression of section 3; lifetimes' BetaGeoFitter.expected_number_of_purchases_up_to_time.
func expectedX(r, alpha, a, b, t float64) float64 {
	z := t / (alpha + t)
	return (a + b - 1) / (a - 1) * (1 - math.Pow(alpha/(alpha+t), r)*hyp2f1(r, b, a+b-1, z))
}

func TestHyp2F1(t *testing.T) {
	// Reference: gonum mathext.Hypergeo.
	for _, c := range [][4]float64{{2, 20, 20.5, 0.9}, {1.2, 8, 9, 0.5}, {2, 6, 8, 0.96}, {1.5, 12, 12.5, 0.1}} {
		got, want := hyp2f1(c[0], c[1], c[2], c[3]), mathext.Hypergeo(c[0], c[1], c[2], c[3])
		if math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("2F1%v = %v, want %v", c, got, want)
		}
	}
}

// TestBGNBD checks, group by group, that the mean number of repeat
// purchases (frequency) matches the average of E[X(T_i)] over the
// customers' own T_i, within four standard errors; and that the means of
// the latent lambda, p and nu match their mixing distributions.
func TestBGNBD(t *testing.T) {
	if testing.Short() {
		t.Skip("20k customers")
	}
	dir, tr := write(t, Options{Customers: 20000, Seed: 11, DirtyShare: -1, LeadsPerCustomer: -1})
	rows := readCSV(t, dir, fTruthCustomers)
	effect := map[string]float64{}
	for _, r := range readCSV(t, dir, fCustomers) {
		effect[r[0]] = tr.Covariates.PurchaseRate[r[8]]
	}
	type acc struct{ n, freq, freq2, expect, lambda, p, nu float64 }
	accs := make([]acc, len(tr.Groups))
	f := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, r := range rows {
		g := int(f(r[1]))
		m := tr.Groups[g].BGNBD
		x, T := f(r[9]), f(r[8])
		a := &accs[g]
		a.n++
		a.freq += x
		a.freq2 += x * x
		e := effect[r[0]]
		a.expect += expectedX(m.R, m.Alpha*math.Exp(-e), m.A, m.B, T)
		a.lambda += f(r[3]) / math.Exp(e)
		a.p += f(r[4])
		a.nu += f(r[5])
	}
	for g, a := range accs {
		gr := tr.Groups[g]
		t.Run(gr.Name, func(t *testing.T) {
			mean := a.freq / a.n
			sd := math.Sqrt(a.freq2/a.n - mean*mean)
			want := a.expect / a.n
			if se := sd / math.Sqrt(a.n); math.Abs(mean-want) > 4*se {
				t.Errorf("mean repeat purchases %.3f, BG/NBD E[X(T)] %.3f (se %.3f)", mean, want, se)
			}
			for _, c := range []struct {
				name      string
				got, want float64
				cv        float64 // coefficient of variation of one draw
			}{
				{"lambda", a.lambda / a.n, gr.BGNBD.R / gr.BGNBD.Alpha, 1 / math.Sqrt(gr.BGNBD.R)},
				{"p", a.p / a.n, gr.BGNBD.A / (gr.BGNBD.A + gr.BGNBD.B), 2},
				{"nu", a.nu / a.n, gr.GammaGamma.Q / gr.GammaGamma.Gamma, 1 / math.Sqrt(gr.GammaGamma.Q)},
			} {
				if math.Abs(c.got-c.want) > 4*c.cv*c.want/math.Sqrt(a.n) {
					t.Errorf("mean %s %.5f, want %.5f", c.name, c.got, c.want)
				}
			}
			t.Logf("n %.0f: repeat purchases %.3f, E[X(T)] %.3f", a.n, mean, want)
		})
	}
}

func benchmarkWrite(b *testing.B, customers int) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Write(dir, Options{Customers: customers, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, n := range []struct {
		name string
		n    int
	}{{"1e4", 1e4}, {"1e5", 1e5}} {
		b.Run(n.name, func(b *testing.B) { benchmarkWrite(b, n.n) })
	}
}

// BenchmarkWrite1M writes one million customers into $GEN_1M_DIR, which is
// left in place for inspection; it is skipped when the variable is unset:
//
//	GEN_1M_DIR=/tmp/gen1m go test -run XXX -bench Write1M -benchtime 1x ./pipelines/gen/
func BenchmarkWrite1M(b *testing.B) {
	dir := os.Getenv("GEN_1M_DIR")
	if dir == "" {
		b.Skip("set GEN_1M_DIR to run")
	}
	for b.Loop() {
		start := time.Now()
		tr, err := Write(dir, Options{Customers: 1e6, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("wall %v rows %v dirty %v purchases %+v", time.Since(start), tr.Rows, tr.Rejects, tr.Purchases)
	}
}
