package btyd

import (
	"fmt"
	"testing"
)

// TestHoldoutCDNOW rebuilds the BTYD walkthrough's calibration/holdout split
// from the CDNOW event log and checks BTYD's tables (REFERENCES.md §1-2,
// BTYD walkthrough §3.4 and §4.4). BTYD computes recency and T from dates,
// as loadElog does, so its parameters are reproduced here, not the
// lifetimes ones.
func TestHoldoutCDNOW(t *testing.T) {
	e := loadElog(t)
	const holdout = 39.0
	wantN := []int{1411, 439, 214, 100, 62, 38, 29, 64}
	wantActual := []float64{0.2367116, 0.6970387, 1.392523, 1.560000, 2.532258, 2.947368, 3.862069, 6.359375}
	wantBG := []float64{0.2250893, 0.5231364, 1.044126, 1.520256, 2.163824, 2.653789, 3.503957, 6.157036}
	bg, fit, err := FitBGNBD(e.x, e.tx, e.T, nil)
	if err != nil {
		t.Fatal(err)
	}
	// BTYD walkthrough §4.2: 0.2425982, 4.4136842, 0.7929899, 2.4261667,
	// LL -9582.429. The likelihood is flat to 1e-6 between BTYD's estimates
	// and ours (both -9582.429207), b differing by 1.1e-4 relative: the
	// optimizers stop at different points of the same plateau.
	for i, want := range []float64{0.2425982, 4.4136842, 0.7929899, 2.4261667} {
		assertRel(t, "BTYD "+fit.Names[i], fit.Estimates[i], want, 2e-4)
	}
	assertClose(t, "BTYD LL", fit.LogLikelihood, -9582.429, 1e-3)

	// With BTYD's own parameters its expected row is reproduced to 2e-5;
	// with our fit to 2e-4 (see above).
	_, btydExp := Score(bgBTYD, holdout, e.x, e.tx, e.T, nil, nil, 0)
	for k, b := range Holdout(e.x, btydExp, e.holdout).Bins {
		assertClose(t, "BG/NBD expected (BTYD params) bin "+b.Label, b.MeanExpected, wantBG[k], 2e-5)
	}
	_, exp := Score(bg, holdout, e.x, e.tx, e.T, nil, nil, 0)
	rep := Holdout(e.x, exp, e.holdout)
	for k, b := range rep.Bins {
		if b.Customers != wantN[k] {
			t.Errorf("bin %s: %d customers, want %d", b.Label, b.Customers, wantN[k])
		}
		assertClose(t, "actual bin "+b.Label, b.MeanActual, wantActual[k], 1e-6)
		assertClose(t, "BG/NBD expected bin "+b.Label, b.MeanExpected, wantBG[k], 2e-4)
	}
	// SOURCE.md: 1,882 holdout repeat purchase days.
	assertClose(t, "sum actual", rep.SumActual, 1882, 0)
	if !(rep.MAE > 0 && rep.RMSE >= rep.MAE) {
		t.Errorf("MAE %v, RMSE %v", rep.MAE, rep.RMSE)
	}

	pn, pfit, err := FitParetoNBD(e.x, e.tx, e.T, nil)
	if err != nil {
		t.Fatal(err)
	}
	// BTYD walkthrough §3.2: 0.553, 10.580, 0.606, 11.656, LL -9594.976.
	// beta is weakly identified (se about 6): our fit has beta = 11.669 and
	// LL -9594.97618, higher than at BTYD's printed estimates (-9594.97647),
	// so beta is checked to 2e-3 and the predictions below, which depend
	// on BTYD's unprinted digits, to the tolerances stated with them.
	for i, want := range []float64{0.553, 10.580, 0.606, 11.656} {
		assertRel(t, "BTYD pnbd "+pfit.Names[i], pfit.Estimates[i], want, 2e-3)
	}
	assertClose(t, "BTYD pnbd LL", pfit.LogLikelihood, -9594.976, 1e-3)
	// BTYD walkthrough §3.3 with our fit: E[X(52)] and P(alive) agree to
	// 1e-5 and 1e-6; E[Y(52)] of customer 1516 to 6e-5 relative; the
	// paradox values, which hinge on the dropout parameters, to 1e-3
	// relative (largest gap 8.4e-4 at x=25).
	assertClose(t, "pnbd E[X(52)]", pn.ExpectedPurchases(52), 1.473434, 1e-5)
	assertRel(t, "pnbd E[Y(52)] id 1516", pn.ConditionalExpectedPurchases(52, 26, 30.85714, 31), 25.45647, 6e-5)
	assertClose(t, "pnbd P(alive) id 1516", pn.ProbabilityAlive(26, 30.85714, 31), 0.997874, 1e-6)
	for i, x := range []float64{10, 15, 20, 25} {
		want := []float64{0.7062289, 0.1442396, 0.02250658, 0.00309267}[i]
		assertRel(t, fmt.Sprintf("pnbd paradox x=%v", x), pn.ConditionalExpectedPurchases(52, x, 20, 39), want, 1e-3)
	}
	_, pexp := Score(pn, holdout, e.x, e.tx, e.T, nil, nil, 0)
	prep := Holdout(e.x, pexp, e.holdout)
	wantPN := []float64{0.138, 0.600, 1.196, 1.714, 2.399, 2.907, 3.819, 6.403}
	for k, b := range prep.Bins {
		// BTYD prints 3 decimals; bins 1 and 4 come out 0.59947 and
		// 2.39831, just outside the printed rounding (gaps 5.3e-4, 6.9e-4),
		// so the assertion is 1e-3.
		assertClose(t, "Pareto/NBD expected bin "+b.Label, b.MeanExpected, wantPN[k], 1e-3)
	}

	// Tracking: BTYD walkthrough §3.4, weeks 20..25, with the Pareto/NBD
	// fit; births on the week clock since 1997-01-01. Matches to 0.07
	// purchases (5e-5 relative), the same parameter gap as above.
	weeks := []float64{20, 21, 22, 23, 24, 25}
	got := ExpectedCumulative(pn, e.birth, weeks)
	wantCum := []float64{1308.856, 1385.275, 1459.923, 1532.906, 1604.32, 1674.253}
	for j := range weeks {
		assertClose(t, fmt.Sprintf("expected cumulative week %v", weeks[j]), got[j], wantCum[j], 0.1)
	}
	actual := cumulativeActual(t, 78)
	for j, w := range []float64{1359, 1414, 1484, 1517, 1573, 1672} {
		assertClose(t, fmt.Sprintf("actual cumulative week %v", weeks[j]), actual[19+j], w, 0)
	}

	best, reps := ChooseModel([]Model{bg, pn}, e.x, e.tx, e.T, e.holdout, holdout)
	t.Logf("holdout RMSE BG/NBD %.4f, Pareto/NBD %.4f; chosen %s", reps[0].RMSE, reps[1].RMSE, []Model{bg, pn}[best].Name())
	if reps[best].RMSE > reps[1-best].RMSE {
		t.Error("ChooseModel did not pick the lower RMSE")
	}
}
