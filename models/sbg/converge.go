package sbg

import (
	"math"

	"gonum.org/v1/gonum/optimize"
)

// StationaryAfterFailure is the Status of a fit whose optimiser stopped with
// an error (typically a line-search failure in the flat region at the
// maximum, where the objective no longer changes in double precision) at a
// point that Fit's gradient check accepts as the maximum: see Result.Distance
// and StationaryTol. Result.Converged is true for it, and
// Result.OptimizerErr keeps the optimiser's error.
var StationaryAfterFailure = optimize.NewStatus("StationaryAfterFailure", false, nil)

// StationaryTol is the largest distance from the maximum, in standard
// errors (Result.Distance), at which a fit whose optimiser stopped with an
// error is still accepted as converged.
//
// The distance d = sqrt(g' I^-1 g) is the length of the Newton step to the
// maximum measured in the metric of the asymptotic covariance I^-1, so each
// estimate lies within about d of its standard errors of the maximum
// likelihood estimate, and the log-likelihood is within d²/2 of its
// maximum. At 1e-3 the remaining optimisation error is a thousandth of the
// sampling error and the log-likelihood is within 5e-7 of its maximum,
// below any tolerance at which fitted values are compared. Unlike a bound
// on the raw gradient it does not depend on the cohort size: the gradient of
// the mean log-likelihood that L-BFGS can resolve (about 1e-8) corresponds
// to d of about 1e-8·sqrt(N/h) for N subscribers with per-subscriber
// information h, far below 1e-3 for any realistic cohort.
const StationaryTol = 1e-3

// maxLogSE is the largest standard error of log alpha and log beta at which
// the gradient check accepts a point. A flatter likelihood does not
// determine the parameters within a factor e² ≈ 7 at one standard error;
// it is what the drift of alpha and beta towards infinity looks like on data
// without heterogeneity (an exactly geometric curve: both standard errors
// about 10 at alpha, beta ≈ 6e4), where the supremum is not attained and the
// optimiser's failure must stand. Real cohorts of 20 subscribers give about
// 1.1 to 1.3, of 1000 subscribers (Fader & Hardie 2007) 0.1 to 0.2.
const maxLogSE = 2

// check returns, at the log-parameters (la, lb), the infinity norm of the
// gradient of the mean log-likelihood with respect to them, the distance
// to the maximum in standard errors (NaN when the observed information is
// not positive definite) and whether the point passes the gradient check:
// finite log-likelihood and gradient, positive definite information,
// standard errors of log alpha and log beta of at most maxLogSE and a
// distance of at most StationaryTol.
func (d *tally) check(la, lb float64) (gradNorm, dist float64, ok bool) {
	g := d.logGrad(la, lb)
	gradNorm = math.Max(math.Abs(g[0]), math.Abs(g[1])) / d.total
	ll := d.logLik(math.Exp(la), math.Exp(lb), nil)
	if math.IsNaN(gradNorm) || math.IsInf(gradNorm, 0) || math.IsNaN(ll) || math.IsInf(ll, 0) {
		return gradNorm, math.NaN(), false
	}
	// Observed information in (log alpha, log beta) by central differences
	// of the analytic gradient.
	const h = 1e-5
	var info [2][2]float64
	for j := range 2 {
		dp, dm := [2]float64{la, lb}, [2]float64{la, lb}
		dp[j] += h
		dm[j] -= h
		gp, gm := d.logGrad(dp[0], dp[1]), d.logGrad(dm[0], dm[1])
		for i := range 2 {
			info[i][j] = -(gp[i] - gm[i]) / (2 * h)
		}
	}
	off := (info[0][1] + info[1][0]) / 2
	det := info[0][0]*info[1][1] - off*off
	if !(det > 0) || !(info[0][0] > 0) {
		return gradNorm, math.NaN(), false
	}
	// g' I^-1 g for the 2x2 inverse.
	q := (info[1][1]*g[0]*g[0] - 2*off*g[0]*g[1] + info[0][0]*g[1]*g[1]) / det
	dist = math.Sqrt(math.Max(q, 0))
	identified := info[1][1]/det <= maxLogSE*maxLogSE && info[0][0]/det <= maxLogSE*maxLogSE
	return gradNorm, dist, dist <= StationaryTol && identified
}

// logGrad returns the gradient of the summed log-likelihood with respect to
// (log alpha, log beta).
func (d *tally) logGrad(la, lb float64) [2]float64 {
	a, b := math.Exp(la), math.Exp(lb)
	var g [2]float64
	d.logLik(a, b, g[:])
	return [2]float64{g[0] * a, g[1] * b}
}
