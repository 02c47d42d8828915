package logit

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// telco reads the IBM Telco churn data prepared like the REFERENCES.md §6
// [CALC] scikit-learn baseline: the 11 rows with blank TotalCharges dropped
// (7,032 rows), SeniorCitizen, tenure, MonthlyCharges, TotalCharges numeric,
// the other 15 columns categorical.
func telco(t testing.TB) ([]Column, []float64) {
	tb := readTable(t, "../../testdata/telco/Telco-Customer-Churn.csv")
	tc := tb.col(t, "TotalCharges")
	tb.filter(func(r []string) bool { return strings.TrimSpace(r[tc]) != "" })
	if len(tb.rows) != 7032 {
		t.Fatalf("telco rows = %d; want 7032", len(tb.rows))
	}
	var cols []Column
	for _, h := range []string{"SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"} {
		cols = append(cols, Column{Name: h, Numeric: tb.numeric(t, h)})
	}
	for _, h := range []string{"gender", "Partner", "Dependents", "PhoneService", "MultipleLines",
		"InternetService", "OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport",
		"StreamingTV", "StreamingMovies", "Contract", "PaperlessBilling", "PaymentMethod"} {
		cols = append(cols, Column{Name: h, Categorical: tb.categorical(t, h)})
	}
	churn := tb.categorical(t, "Churn")
	y := make([]float64, len(churn))
	for i, c := range churn {
		if c == "Yes" {
			y[i] = 1
		}
	}
	return cols, y
}

// TestTelcoCV: 5-fold stratified CV with C=1 on standardised drop-first
// one-hot features. Reference: REFERENCES.md §6 [CALC] scikit-learn mean AUC
// 0.8452 (folds differ from sklearn's shuffle; tolerance 0.005).
func TestTelcoCV(t *testing.T) {
	if testing.Short() {
		t.Skip("5-fold CV on a real data set; skipped under -short")
	}
	cols, y := telco(t)
	enc := &EncoderSettings{DropFirst: true}
	e, err := NewEncoder(cols, enc)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(e.Names()); got != 30 {
		t.Fatalf("encoded %d features; want 30: %v", got, e.Names())
	}
	cv, err := CrossValidate(cols, y, 5, rand.NewPCG(1, 2), enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("folds %.4f mean %.4f sd %.4f", cv.FoldAUC, cv.MeanAUC, cv.SDAUC)
	if math.Abs(cv.MeanAUC-0.8452) > 0.005 {
		t.Errorf("CV mean AUC = %.4f; want 0.8452 +- 0.005", cv.MeanAUC)
	}
}

// TestTelcoCoefficients compares the C=1 fit with a nearly unpenalised one
// (C=1e6): in-sample AUC ~0.8482 (REFERENCES.md §6 [CALC], unpenalised), and
// for the 10 coefficients with the largest unpenalised |z| the signs agree
// and the size ranks agree (Spearman >= 0.8).
func TestTelcoCoefficients(t *testing.T) {
	cols, y := telco(t)
	e, err := NewEncoder(cols, &EncoderSettings{DropFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	x, err := e.Transform(cols)
	if err != nil {
		t.Fatal(err)
	}
	p := Problem{X: x, Y: y, Names: e.Names()}
	c1, err := Fit(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	big, err := Fit(p, &Settings{C: 1e6, MajorIterations: 5000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("C=1: %d iterations, %v; C=1e6: %d iterations, %v; notes %q", c1.Iterations, c1.Status, big.Iterations, big.Status, big.Notes)
	if err := c1.Err(); err != nil {
		t.Error(err)
	}
	aucBig := ROCAUC(y, big.Predict(x, nil))
	aucC1 := ROCAUC(y, c1.Predict(x, nil))
	t.Logf("in-sample AUC C=1e6 %.4f, C=1 %.4f", aucBig, aucC1)
	if math.Abs(aucBig-0.8482) > 0.002 {
		t.Errorf("in-sample AUC (C=1e6) = %.4f; want 0.8482 +- 0.002", aucBig)
	}
	type zc struct {
		j    int
		z    float64
		c1   float64
		cbig float64
	}
	var zs []zc
	for j := range big.Coef {
		z := big.Coef[j] / big.StdErr[j]
		if math.IsNaN(z) {
			continue
		}
		zs = append(zs, zc{j, z, c1.Coef[j], big.Coef[j]})
	}
	sort.Slice(zs, func(a, b int) bool { return math.Abs(zs[a].z) > math.Abs(zs[b].z) })
	if len(zs) < 10 {
		t.Fatalf("only %d finite z values", len(zs))
	}
	zs = zs[:10]
	var a1, ab []float64
	for _, v := range zs {
		t.Logf("%-40s z=%7.2f  C=1 %8.4f  C=1e6 %8.4f", big.Names[v.j], v.z, v.c1, v.cbig)
		if math.Signbit(v.c1) != math.Signbit(v.cbig) {
			t.Errorf("%s: sign differs (C=1 %v, C=1e6 %v)", big.Names[v.j], v.c1, v.cbig)
		}
		a1 = append(a1, math.Abs(v.c1))
		ab = append(ab, math.Abs(v.cbig))
	}
	rho := spearman(a1, ab)
	t.Logf("Spearman rank correlation of |coef| over the top 10 = %.3f", rho)
	if rho < 0.8 {
		t.Errorf("Spearman = %.3f; want >= 0.8", rho)
	}

	// Explanations name encoded columns in the user's terms.
	row := x.RawRowView(0)
	ex := c1.Explain(row, 3)
	if len(ex.Positive)+len(ex.Negative) == 0 {
		t.Fatal("empty explanation")
	}
	for _, c := range append(ex.Positive, ex.Negative...) {
		if c.Name == "" {
			t.Error("unnamed contribution")
		}
	}
	t.Logf("row 0 explanation: %+v", ex)
}

func spearman(a, b []float64) float64 {
	return stat.Correlation(ranks(a), ranks(b), nil)
}

func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(x, y int) bool { return v[idx[x]] < v[idx[y]] })
	r := make([]float64, len(v))
	for k, i := range idx {
		r[i] = float64(k)
	}
	return r
}
