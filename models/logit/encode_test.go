package logit

import (
	"math"
	"reflect"
	"testing"
)

func TestEncoder(t *testing.T) {
	nan := math.NaN()
	train := []Column{
		{Name: "tenure", Numeric: []float64{1, 2, 3, 4, 5, 6}},
		{Name: "TotalCharges", Numeric: []float64{10, nan, 30, 40, 50, 60}},
		{Name: "Contract", Categorical: []string{"Month-to-month", "One year", "Two year", "Two year", "Month-to-month", "Rare"}},
		{Name: "City", Categorical: []string{"A", "", "A", "B", "B", "A"}},
		{Name: "Const", Numeric: []float64{7, 7, 7, 7, 7, 7}},
	}
	e, err := NewEncoder(train, &EncoderSettings{MinCount: 2, DropFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	// Contract: "Rare" (1 row < MinCount 2) is pooled into "(other)", which
	// sorts first and becomes the drop-first reference; City: "(missing)"
	// (1 row) likewise.
	t.Logf("names %q notes %q", e.Names(), e.Notes)
	names := e.Names()
	if names[0] != "tenure" || names[1] != "TotalCharges" || names[2] != "TotalCharges (missing)" {
		t.Errorf("numeric names %q", names[:3])
	}
	test := []Column{
		{Name: "tenure", Numeric: []float64{3.5, nan}},
		{Name: "TotalCharges", Numeric: []float64{nan, 38}},
		{Name: "Contract", Categorical: []string{"Unseen", "Two year"}},
		{Name: "City", Categorical: []string{"Z", "B"}},
		{Name: "Const", Numeric: []float64{7, 8}},
	}
	x, err := e.Transform(test)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		for j := range names {
			if v := x.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("x[%d,%d] = %v", i, j, v)
			}
		}
	}
	col := map[string]int{}
	for j, n := range names {
		col[n] = j
	}
	// Missing tenure imputes the training mean: standardised 0.
	if v := x.At(1, col["tenure"]); v != 0 {
		t.Errorf("imputed tenure = %v; want 0", v)
	}
	// Missing TotalCharges: value = training mean (0), indicator above mean.
	if x.At(0, col["TotalCharges"]) != 0 || !(x.At(0, col["TotalCharges (missing)"]) > 0) {
		t.Errorf("missing TotalCharges row %v", x.RawRowView(0))
	}
	// Unseen Contract goes to "(other)" (the reference here): all Contract
	// columns at their value for 0.
	for _, n := range names {
		if len(n) > 9 && n[:9] == "Contract=" {
			j := col[n]
			zero := -e.mean[j] / e.sd[j]
			if math.Abs(x.At(0, j)-zero) > 1e-12 {
				t.Errorf("unseen Contract: %s = %v; want %v", n, x.At(0, j), zero)
			}
		}
	}
	// Constant column encodes as 0.
	if x.At(1, col["Const"]) != 0 {
		t.Errorf("constant column = %v", x.At(1, col["Const"]))
	}
	if len(e.Notes) == 0 {
		t.Error("want notes about pooled levels and the constant column")
	}

	// Without drop-first every kept level appears; raw indicators stay 0/1.
	e2, err := NewEncoder(train[2:3], &EncoderSettings{RawIndicators: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e2.Names(), []string{"Contract=Month-to-month", "Contract=One year", "Contract=Rare", "Contract=Two year"}; !reflect.DeepEqual(got, want) {
		t.Errorf("names %q; want %q", got, want)
	}
	x2, _ := e2.Transform([]Column{{Name: "Contract", Categorical: []string{"Two year", "nope"}}})
	if got := x2.RawRowView(0); !reflect.DeepEqual(got, []float64{0, 0, 0, 1}) {
		t.Errorf("one-hot row %v", got)
	}
	if got := x2.RawRowView(1); !reflect.DeepEqual(got, []float64{0, 0, 0, 0}) {
		t.Errorf("unseen row %v", got)
	}
	if _, err := e2.Transform([]Column{{Name: "Other", Categorical: []string{"x"}}}); err == nil {
		t.Error("Transform with a wrong column name: want an error")
	}
}
