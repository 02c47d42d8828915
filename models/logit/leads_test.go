package logit

import (
	"math"
	"math/rand/v2"
	"testing"
)

var leadsNumeric = []string{"TotalVisits", "Total Time Spent on Website", "Page Views Per Visit"}

var leadsCategorical = []string{"Lead Origin", "Lead Source", "Do Not Email", "Last Activity",
	"Specialization", "What is your current occupation", "City", "A free copy of Mastering The Interview"}

// leads reads the X Education lead-scoring data (CRLF, trailing empty 38th
// column; "Select" means not chosen, i.e. missing) with the named columns.
func leads(t testing.TB, numeric, categorical []string) ([]Column, []float64) {
	tb := readTable(t, "../../testdata/leads/Leads.csv.gz")
	if len(tb.rows) != 9240 {
		t.Fatalf("leads rows = %d; want 9240", len(tb.rows))
	}
	var cols []Column
	for _, h := range numeric {
		cols = append(cols, Column{Name: h, Numeric: tb.numeric(t, h)})
	}
	for _, h := range categorical {
		cols = append(cols, Column{Name: h, Categorical: tb.categorical(t, h, "Select")})
	}
	return cols, tb.numeric(t, "Converted")
}

// TestLeadsCV: pre-contact features only, 5-fold stratified CV AUC.
// Reference: REFERENCES.md §7 [CALC] scikit-learn 0.8915 +- 0.0055; the
// brief's acceptance floor is 0.88.
func TestLeadsCV(t *testing.T) {
	if testing.Short() {
		t.Skip("5-fold CV on a real data set; skipped under -short")
	}
	cols, y := leads(t, leadsNumeric, leadsCategorical)
	enc := &EncoderSettings{DropFirst: true}
	e, err := NewEncoder(cols, enc)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d encoded features; notes %q", len(e.Names()), e.Notes)
	cv, err := CrossValidate(cols, y, 5, rand.NewPCG(7, 11), enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("folds %.4f mean %.4f sd %.4f", cv.FoldAUC, cv.MeanAUC, cv.SDAUC)
	if cv.MeanAUC < 0.88 {
		t.Errorf("CV mean AUC = %.4f; want >= 0.88 (reference 0.8915)", cv.MeanAUC)
	}
	// A frequency floor pools rare levels and must not hurt much.
	cvFloor, err := CrossValidate(cols, y, 5, rand.NewPCG(7, 11), &EncoderSettings{DropFirst: true, MinCount: 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MinCount=20: mean %.4f", cvFloor.MeanAUC)
	if cvFloor.MeanAUC < 0.88 {
		t.Errorf("CV mean AUC with MinCount 20 = %.4f; want >= 0.88", cvFloor.MeanAUC)
	}
}

// TestLeadsLeakage: the sales-assigned Tags is flagged by the solo-AUC check
// at the default threshold 0.9 (REFERENCES.md §7: adding Tags/Lead Quality
// lifts CV AUC to 0.978) and the pre-contact numeric features are not.
//
// Known gap: the brief expected Lead Quality to be flagged too, but its solo
// AUC is 0.7997 here (0.856 on the 4,473 rows where it is filled in), below
// 0.9. The threshold is not lowered to force it; the test pins the value and
// checks that Lead Quality ranks second, above every pre-contact feature.
func TestLeadsLeakage(t *testing.T) {
	cats := append([]string{"Tags", "Lead Quality"}, leadsCategorical...)
	cols, y := leads(t, leadsNumeric, cats)
	solo, err := LeakageCheck(cols, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"Tags": true, "Lead Quality": false}
	for _, h := range leadsNumeric {
		want[h] = false
	}
	var lq float64
	for _, s := range solo {
		t.Logf("%-45s AUC %.4f strength %.4f flagged %v", s.Name, s.AUC, s.Strength, s.Flagged)
		if w, ok := want[s.Name]; ok && s.Flagged != w {
			t.Errorf("%s: flagged = %v; want %v (strength %.4f)", s.Name, s.Flagged, w, s.Strength)
		}
		if s.Name == "Lead Quality" {
			lq = s.Strength
		}
	}
	// Regression value computed here (in-sample level rates, "" a level).
	if math.Abs(lq-0.7997) > 5e-4 {
		t.Errorf("Lead Quality strength = %.4f; want 0.7997", lq)
	}
	for _, s := range solo {
		if s.Name != "Tags" && s.Name != "Lead Quality" && s.Strength >= lq {
			t.Errorf("%s (%.4f) is as strong as Lead Quality (%.4f)", s.Name, s.Strength, lq)
		}
	}
}
