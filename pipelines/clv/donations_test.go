package clv_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/crmbatch/crmbatch/pipelines"
	"github.com/crmbatch/crmbatch/pipelines/batch"
	"github.com/crmbatch/crmbatch/pipelines/clv"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// donationOrders writes the donations RF matrix of Fader, Hardie & Shang
// (2010) (testdata/donations_bgbb, 11,104 donors of the 1995 cohort, 6
// yearly repeat opportunities 1996-2001) as a transaction log: each donor
// gives in 1995, in 1995 + t_x, and in the x-1 years after 1995 before
// that; amounts vary so that Gamma-Gamma has something to fit.
func donationOrders(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.Open("../../testdata/donations_bgbb/donations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("order_id,customer_id,order_ts,revenue\n")
	donor := 0
	for _, r := range rows[1:] {
		x, _ := strconv.Atoi(r[0])
		tx, _ := strconv.Atoi(r[1])
		w, _ := strconv.Atoi(r[3])
		for range w {
			donor++
			years := []int{0}
			for k := 1; k < x; k++ {
				years = append(years, k)
			}
			if x > 0 {
				years = append(years, tx)
			}
			for _, y := range years {
				fmt.Fprintf(&b, "D%d-%d,D%05d,%d-06-15 10:00:00,%d\n", donor, y, donor, 1995+y, 10+(donor*7+y*13)%41)
			}
		}
	}
	p := filepath.Join(dir, "donations.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runDonations runs the clv stage on the donations with BG/BB in yearly
// periods as of the end of 2001 and the given horizon.
func runDonations(t *testing.T, months int) *config.Config {
	t.Helper()
	dir := t.TempDir()
	orders := donationOrders(t, dir)
	cfg, err := config.Parse([]byte(fmt.Sprintf(`as_of: 2001-12-31
output: out
clv:
  time_unit: periods
  period: year
  horizon_months: %d
  holdout_days: 0
sources:
  orders: {files: [%s]}
`, months, orders)), dir)
	if err != nil {
		t.Fatal(err)
	}
	saved := pipelines.ModelStages
	pipelines.ModelStages = []batch.Stage{clv.Stage}
	defer func() { pipelines.ModelStages = saved }()
	if _, err := pipelines.Run(context.Background(), pipelines.Options{Config: cfg}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// BG/BB through the nightly run with clv.time_unit: periods reproduces the
// donations references of REFERENCES.md §5: the parameters and LL of the
// BTYD walkthrough, Hardie's spreadsheet's P(alive in 2002) and expected
// repeat donations in 2002-2006, and the BTYD walkthrough's conditional
// expectations over the next 10 years.
func TestBGBBDonations(t *testing.T) {
	cfg := runDonations(t, 60)
	const asOf = "2001-12-31"
	p := params(t, cfg, asOf, "bgbb", "full")
	// [PKG] BTYD walkthrough §5: 1.203507, 0.7497667, 0.6567568, 2.783887, LL -33225.58.
	for name, want := range map[string]float64{"alpha": 1.2035, "beta": 0.7497, "gamma": 0.6567, "delta": 2.7834} {
		if math.Abs(p[name]-want) > 2e-4*want+1e-4 {
			t.Errorf("BG/BB %s = %.5f, want %.4f", name, p[name], want)
		}
	}
	if math.Abs(p["LL"]-(-33225.58)) > 0.01 || p["n"] != 11104 {
		t.Errorf("BG/BB LL %.3f on %v donors, want -33225.58 on 11104", p["LL"], p["n"])
	}
	f := read(t, cfg, "customers", asOf, `SELECT sum(expected_purchases_60m) AS e5,
		max(probability_alive) FILTER (WHERE frequency = 0) AS p00,
		max(probability_alive) FILTER (WHERE frequency = 2 AND recency = 4) AS p24,
		max(probability_alive) FILTER (WHERE frequency = 6) AS p66,
		count(*) FILTER (WHERE T <> 6 OR clv_model <> 'BG/BB') AS odd,
		count(*) FILTER (WHERE customer_lifetime_value IS NULL) AS no_clv FROM %s`)
	// [PKG] lifetimes tests from Hardie's BG/BB spreadsheet (note 010):
	// P(alive in 2002) 0.11, 0.59, 0.93; sum of E[repeat donations in the
	// next 5 periods] 12884.2.
	for _, c := range []struct {
		col  string
		want float64
		tol  float64
	}{{"p00", 0.11, 0.005}, {"p24", 0.59, 0.005}, {"p66", 0.93, 0.005}, {"e5", 12884.2, 0.5}} {
		if got := f.Col(c.col).Floats[0]; math.Abs(got-c.want) > c.tol {
			t.Errorf("%s = %.4f, want %.2f", c.col, got, c.want)
		}
	}
	if f.Col("odd").Ints[0] != 0 || f.Col("no_clv").Ints[0] != 0 {
		t.Errorf("%d donors with T other than 6 periods or not BG/BB, %d without CLV", f.Col("odd").Ints[0], f.Col("no_clv").Ints[0])
	}
	t.Logf("BG/BB alpha %.4f beta %.4f gamma %.4f delta %.4f LL %.3f; P(alive) %.4f %.4f %.4f; sum E[5 periods] %.2f",
		p["alpha"], p["beta"], p["gamma"], p["delta"], p["LL"], f.Col("p00").Floats[0], f.Col("p24").Floats[0], f.Col("p66").Floats[0], f.Col("e5").Floats[0])

	// [PKG] BTYD walkthrough §5.3: E[X(6, 6+10)] for (x=0, t_x=0) 0.1302169
	// and (x=4, t_x=5) 3.627858.
	cfg10 := runDonations(t, 120)
	g := read(t, cfg10, "customers", asOf, `SELECT max(expected_purchases_120m) FILTER (WHERE frequency = 0) AS e00,
		max(expected_purchases_120m) FILTER (WHERE frequency = 4 AND recency = 5) AS e45 FROM %s`)
	if e := g.Col("e00").Floats[0]; math.Abs(e-0.1302169) > 5e-5 {
		t.Errorf("E[10 periods | 0, 0, 6] = %.7f, want 0.1302169", e)
	}
	if e := g.Col("e45").Floats[0]; math.Abs(e-3.627858) > 1e-3 {
		t.Errorf("E[10 periods | 4, 5, 6] = %.7f, want 3.627858", e)
	}
	t.Logf("E[10 periods]: (0,0) %.7f, (4,5) %.7f", g.Col("e00").Floats[0], g.Col("e45").Floats[0])
}
