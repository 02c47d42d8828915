package btyd

import (
	"fmt"
	"testing"
)

// The values below were computed in this session with mpmath 1.3.0 at 40
// significant digits from the untransformed formulas (FHL 2005 eq. 10 with
// 2F1(r+x, b+x; a+b+x-1; z); Fader & Hardie 2005 note eqs. 18-24 with the
// original 2F1 arguments), so they check the Euler transformations and the
// log-space evaluation, not only the papers' rounded tables.

func TestBGNBDHighPrecision(t *testing.T) {
	m := bgBTYD
	for _, tc := range []struct {
		t, x, tx, T, want float64
	}{
		{52, 10, 20, 39, 0.3474602456262440},
		{52, 15, 20, 39, 0.04283395419533952},
		{52, 20, 20, 39, 0.004158985738114368},
		{52, 25, 20, 39, 0.0003583704401264147},
		{52, 26, 30.85714, 31, 25.75653604105500},
		{52, 2000, 38, 39, 2.463866051500975e-14},
		{52, 500, 1, 300, 1.972458833727973e-871}, // underflows to 0
		{10000, 0, 0, 0, 15.05213977878785},       // x = 0: P(alive) = 1
		{0.01, 3, 2, 5, 0.002123347744592616},
	} {
		got := m.ConditionalExpectedPurchases(tc.t, tc.x, tc.tx, tc.T)
		name := fmt.Sprintf("E[Y(%v)|%v,%v,%v]", tc.t, tc.x, tc.tx, tc.T)
		if tc.want < 1e-300 {
			assertClose(t, name, got, 0, 1e-300)
			continue
		}
		assertRel(t, name, got, tc.want, 1e-9)
	}
}

func TestParetoNBDHighPrecision(t *testing.T) {
	for _, tc := range []struct {
		m                 ParetoNBD
		x, tx, T, t       float64
		ll, alive, expect float64
	}{
		// alpha < beta branch (the CDNOW estimates).
		{ParetoNBD{0.5533, 10.5776, 0.6062, 11.6679}, 26, 30.85714, 31, 52,
			-39.13060820693112, 0.9978734583724667, 25.45558662230090},
		{ParetoNBD{0.5533, 10.5776, 0.6062, 11.6679}, 300, 30, 31, 52,
			293.4559101581005, 0.2504447573387838, 72.31403280332590},
		// alpha > beta branch.
		{ParetoNBD{0.5533, 12.5, 0.6062, 3.2}, 26, 30.85714, 31, 52,
			-40.88801344156342, 0.9973519570285772, 23.21837685943726},
		{ParetoNBD{0.5533, 12.5, 0.6062, 3.2}, 0, 0, 31, 52,
			-0.2890306190550298, 0.1592809725027877, 0.07726618658416938},
	} {
		name := fmt.Sprintf("%v (%v,%v,%v)", tc.m, tc.x, tc.tx, tc.T)
		assertClose(t, "LL "+name, tc.m.LogLikelihood(tc.x, tc.tx, tc.T), tc.ll, 1e-9)
		assertRel(t, "P(alive) "+name, tc.m.ProbabilityAlive(tc.x, tc.tx, tc.T), tc.alive, 1e-9)
		assertRel(t, "E[Y] "+name, tc.m.ConditionalExpectedPurchases(tc.t, tc.x, tc.tx, tc.T), tc.expect, 1e-9)
	}
}
