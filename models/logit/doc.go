// Package logit fits L2-regularised logistic regression for churn risk and
// lead scoring, with the feature encoding, metrics, cross-validation and
// per-row explanations that an analytics batch needs around it.
//
// The pipeline is:
//
//   - NewEncoder learns an encoding from training columns (Column: numeric
//     with NaN as missing, or categorical with "" as missing): numeric columns
//     are mean-imputed (with a "(missing)" indicator when training had
//     missing values), categorical columns are one-hot encoded with a
//     frequency floor, an "other" level and optional drop-first; every
//     encoded column is standardised with the training mean and standard
//     deviation and keeps a human name such as "Contract=Two year", "tenure"
//     or "TotalCharges (missing)". Encoder.Transform applies it to new data.
//
//   - Fit minimises scikit-learn's LogisticRegression objective
//
//     sum_i w_i * logloss_i + ||beta||^2 / (2C)
//
//     (intercept not penalised) with gonum's L-BFGS and an analytic gradient
//     computed in parallel over row blocks of a row-major design matrix. The
//     Result carries coefficients, names, standard errors from the inverse of
//     the penalised Hessian X'WX + I/C, iterations, status and notes.
//
//   - Result.Predict scores rows; Result.Explain names the largest positive
//     and negative contributions of a row in the user's own terms.
//
//   - metrics.go: ROCAUC (Mann-Whitney, ties averaged), AveragePrecision
//     (scikit-learn's PR AUC), LogLoss, Brier, Calibration by deciles and
//     Lift at the top fraction; cv.go: StratifiedKFold, CrossValidate and
//     SoloAUC, a leakage check on single raw features.
//
// References: D. W. Hosmer, S. Lemeshow and R. X. Sturdivant (2013), Applied
// Logistic Regression, 3rd ed., Wiley (likelihood, standard errors); J. A.
// Hanley and B. J. McNeil (1982), "The meaning and use of the area under a
// receiver operating characteristic (ROC) curve", Radiology 143(1):29-36
// (AUC as the Mann-Whitney statistic); F. Pedregosa et al. (2011),
// "Scikit-learn: Machine Learning in Python", JMLR 12:2825-2830 (objective,
// average precision and "balanced" class weights reproduced for parity).
//
// The package is pure numerics over slices and gonum; it does no I/O.
package logit
