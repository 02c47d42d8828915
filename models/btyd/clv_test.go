package btyd

import (
	"fmt"
	"math"
	"testing"
)

func TestCLVLifetimesConvention(t *testing.T) {
	// lifetimes Quickstart CLV example (time=12, discount_rate=0.01) for
	// IDs 1..10, REFERENCES.md §3. lifetimes steps 30 model time units per
	// "month" (30 weeks here) and discounts month i by 1.01^i; reproducing it
	// with DiscountedPurchases proves the arithmetic of CLV.
	c := loadCDNOW(t)
	bg, _, err := FitBGNBD(c.x, c.tx, c.T, nil)
	if err != nil {
		t.Fatal(err)
	}
	gg, _, err := FitGammaGamma(c.x, c.zbar, nil)
	if err != nil {
		t.Fatal(err)
	}
	times := make([]float64, 12)
	for i := range times {
		times[i] = 30 * float64(i+1)
	}
	want := []float64{140.096211, 18.943467, 38.180574, 38.180574, 38.180574,
		1003.868107, 28.109683, 38.180574, 167.418216, 38.180574}
	for i, w := range want {
		spend := gg.ConditionalExpectedAverageSpend(c.x[i], c.zbar[i])
		got := spend * DiscountedPurchases(bg, c.x[i], c.tx[i], c.T[i], times, 0.01)
		assertRel(t, fmt.Sprintf("lifetimes CLV id %d", i+1), got, w, 1e-5)
	}
}

func TestCLVCalendarMonths(t *testing.T) {
	m := bgLifetimes
	x, tx, T := 2.0, 30.43, 38.86
	s := CLVSettings{HorizonMonths: 12, AnnualDiscountRate: 0.10, Margin: 0.3, UnitDays: 7}
	ends := s.MonthEnds()
	// Month 12 ends one year (52.18 weeks) after the calibration end.
	assertClose(t, "t_12 in weeks", ends[11], 365.25/7, 1e-12)
	// The monthly rate compounds to the annual one.
	d := math.Pow(1.10, 1.0/12) - 1
	var want, prev float64
	for m2, tm := range ends {
		e := m.ConditionalExpectedPurchases(tm, x, tx, T)
		want += (e - prev) / math.Pow(1+d, float64(m2+1))
		prev = e
	}
	want *= 0.3 * 25
	assertRel(t, "CLV weeks", CLV(m, x, tx, T, 25, s), want, 1e-12)
	// Without discounting the sum telescopes to E[Y(1 year)].
	undisc := CLV(m, x, tx, T, 1, CLVSettings{UnitDays: 7})
	assertRel(t, "undiscounted", undisc, m.ConditionalExpectedPurchases(365.25/7, x, tx, T), 1e-12)
	// The same customer and model expressed in days gives the same CLV:
	// the horizon is calendar months whatever the time unit.
	md := BGNBD{R: m.R, Alpha: m.Alpha * 7, A: m.A, B: m.B}
	sd := s
	sd.UnitDays = 1
	assertRel(t, "CLV days vs weeks", CLV(md, x, tx*7, T*7, 25, sd), want, 1e-9)
	// Vectorised form.
	out := CLVs(m, []float64{x, x, 0}, []float64{tx, tx, 0}, []float64{T, T, 10}, []float64{25, 50, 10}, nil, s, 2)
	assertRel(t, "CLVs[0]", out[0], want, 1e-12)
	assertRel(t, "CLVs[1]", out[1], 2*want, 1e-12)
	assertRel(t, "CLVs[2]", out[2], CLV(m, 0, 0, 10, 10, s), 1e-12)
}
