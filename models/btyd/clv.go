package btyd

import "math"

// DaysPerMonth is the mean length of a calendar month, 365.25/12 days.
const DaysPerMonth = 365.25 / 12

// CLVSettings configures CLV. Its zero value means a 12-month, undiscounted,
// revenue (margin 1) value for a model fitted in days.
type CLVSettings struct {
	// HorizonMonths is the horizon in calendar months. Zero means 12.
	HorizonMonths int
	// AnnualDiscountRate is the yearly discount rate, e.g. 0.10 for 10 %.
	// It is converted to the monthly rate (1+annual)^(1/12) - 1. Zero means
	// no discounting.
	AnnualDiscountRate float64
	// Margin is the profit margin applied to spend. Zero means 1.
	Margin float64
	// UnitDays is the length of the model's time unit in days: 1 for a
	// model fitted in days, 7 for weeks. Zero means 1.
	UnitDays float64
}

func (s CLVSettings) norm() (months int, monthlyRate, margin, unitDays float64) {
	months, margin, unitDays = s.HorizonMonths, s.Margin, s.UnitDays
	if months <= 0 {
		months = 12
	}
	if margin == 0 {
		margin = 1
	}
	if unitDays <= 0 {
		unitDays = 1
	}
	return months, math.Pow(1+s.AnnualDiscountRate, 1.0/12) - 1, margin, unitDays
}

// MonthEnds returns the ends of calendar months 1..HorizonMonths in model
// time units, t_m = m (365.25/12) / UnitDays.
func (s CLVSettings) MonthEnds() []float64 {
	months, _, _, unit := s.norm()
	t := make([]float64, months)
	for m := range t {
		t[m] = float64(m+1) * DaysPerMonth / unit
	}
	return t
}

// CLV returns the discounted, margin-adjusted customer lifetime value over a
// horizon of calendar months, in the discrete-time form used by Fader,
// Hardie & Lee (2005, JMR 42(4), "RFM and CLV") and by lifetimes'
// customer_lifetime_value:
//
//	CLV = margin · spend · Σ_{m=1..M} [E[Y(t_m)] - E[Y(t_{m-1})]] / (1+d)^m,
//
// where E[Y(t)] is m's ConditionalExpectedPurchases given (x, t_x, T),
// t_m = m·(365.25/12)/UnitDays is the end of calendar month m in model time
// units, d = (1+AnnualDiscountRate)^(1/12) - 1 is the monthly rate and spend
// is the expected spend per purchase (e.g. GammaGamma's
// ConditionalExpectedAverageSpend). This deliberately differs from lifetimes,
// whose "month" is 30 model time units whatever the unit (30 weeks for a
// weekly model): here the horizon is in calendar months for every time unit.
// DiscountedPurchases with t_m = 30 m reproduces lifetimes' convention.
func CLV(m Model, x, tx, T, spend float64, s CLVSettings) float64 {
	_, rate, margin, _ := s.norm()
	return margin * spend * DiscountedPurchases(m, x, tx, T, s.MonthEnds(), rate)
}

// DiscountedPurchases returns Σ_i [E[Y(t_i)] - E[Y(t_{i-1})]] / (1+rate)^i,
// with t_0 = 0, for a customer with history (x, t_x, T): the discounted
// expected purchases in the periods ending at times (increasing, in model
// time units), each discounted at the end of its period.
func DiscountedPurchases(m Model, x, tx, T float64, times []float64, rate float64) float64 {
	var sum, prev float64
	disc := 1.0
	for _, t := range times {
		e := m.ConditionalExpectedPurchases(t, x, tx, T)
		disc /= 1 + rate
		sum += (e - prev) * disc
		prev = e
	}
	return sum
}

// CLVs computes CLV for every customer into dst (allocated if nil), given
// per-customer expected spend. The discounted-purchase factor is computed
// once per distinct (x, t_x, T) and in parallel over workers goroutines
// (zero means runtime.GOMAXPROCS(0)). It panics if the lengths differ.
func CLVs(m Model, frequency, recency, T, spend, dst []float64, s CLVSettings, workers int) []float64 {
	n := len(frequency)
	if len(recency) != n || len(T) != n || len(spend) != n {
		panic("btyd: frequency, recency, T and spend have different lengths")
	}
	if dst == nil {
		dst = make([]float64, n)
	}
	if len(dst) != n {
		panic("btyd: dst length differs from frequency")
	}
	_, rate, margin, _ := s.norm()
	times := s.MonthEnds()
	mapDistinct(frequency, recency, T, workers, func(x, tx, T float64) float64 {
		return margin * DiscountedPurchases(m, x, tx, T, times, rate)
	}, func(i int, v float64) { dst[i] = v * spend[i] })
	return dst
}
