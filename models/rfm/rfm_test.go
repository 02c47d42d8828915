package rfm

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// Expected buckets are hand-computed from the SQL definition of ntile:
// with len(x) = q*n + r the first r buckets get q+1 rows.
func TestNtile(t *testing.T) {
	for _, test := range []struct {
		name string
		x    []float64
		n    int
		desc bool
		want []int
	}{
		{"empty", nil, 5, false, []int{}},
		{"exact", []float64{5, 4, 3, 2, 1}, 5, false, []int{5, 4, 3, 2, 1}},
		{"seven rows", []float64{10, 20, 30, 40, 50, 60, 70}, 5, false, []int{1, 1, 2, 2, 3, 4, 5}},
		{"fewer rows than buckets", []float64{3, 1, 2}, 5, false, []int{3, 1, 2}},
		{"ties split by index", []float64{5, 5, 5, 5, 5}, 5, false, []int{1, 2, 3, 4, 5}},
		{"ties across boundary", []float64{1, 2, 2, 2, 3, 3, 9, 9, 9, 9}, 5, false, []int{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}},
		{"descending", []float64{1, 100, 50, 7, 30}, 5, true, []int{5, 1, 2, 4, 3}},
		{"descending ties by index", []float64{2, 2, 1, 1}, 2, true, []int{1, 1, 2, 2}},
		{"twelve into quartiles", []float64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 4, false, []int{4, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1}},
	} {
		got, err := Ntile(test.x, test.n, test.desc)
		if err != nil {
			t.Fatalf("%s: unexpected error: %v", test.name, err)
		}
		if !slices.Equal(got, test.want) {
			t.Errorf("%s: got %v, want %v", test.name, got, test.want)
		}
	}
}

func TestNtileNaN(t *testing.T) {
	_, err := Ntile([]float64{1, math.NaN()}, 5, false)
	if err == nil || !strings.Contains(err.Error(), "index 1") {
		t.Errorf("got error %v, want one naming index 1", err)
	}
	_, err = Scores([]float64{1, 2}, []float64{1, 2}, []float64{1, math.NaN()})
	if err == nil || !strings.Contains(err.Error(), "monetary") {
		t.Errorf("got error %v, want one naming monetary", err)
	}
}

func TestScores(t *testing.T) {
	// Ten customers; recency in days since last purchase.
	recency := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	frequency := []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	monetary := []float64{50, 50, 40, 40, 30, 30, 20, 20, 10, 10}
	got, err := Scores(recency, frequency, monetary)
	if err != nil {
		t.Fatal(err)
	}
	want := []Score{
		{5, 5, 5}, {5, 5, 5}, {4, 4, 4}, {4, 4, 4}, {3, 3, 3},
		{3, 3, 3}, {2, 2, 2}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestFM(t *testing.T) {
	for _, test := range []struct {
		s    Score
		want int
	}{
		{Score{1, 1, 1}, 1}, {Score{1, 1, 2}, 2}, {Score{1, 2, 3}, 3},
		{Score{1, 4, 5}, 5}, {Score{1, 5, 1}, 3}, {Score{1, 5, 5}, 5},
	} {
		if got := test.s.FM(); got != test.want {
			t.Errorf("FM(%v) = %d, want %d", test.s, got, test.want)
		}
	}
}

func TestDefaultSegments(t *testing.T) {
	for _, test := range []struct {
		s    Score
		want string
	}{
		{Score{5, 5, 5}, Champions},
		{Score{5, 4, 3}, Champions}, // FM = 4
		{Score{4, 5, 5}, Loyal},
		{Score{3, 4, 4}, Loyal},
		{Score{5, 2, 3}, PotentialLoyalist},
		{Score{4, 3, 3}, PotentialLoyalist},
		{Score{5, 1, 1}, New},
		{Score{4, 1, 1}, Promising},
		{Score{3, 3, 3}, NeedsAttention},
		{Score{3, 1, 2}, NeedsAttention},
		{Score{2, 3, 4}, AtRisk},
		{Score{1, 4, 4}, AtRisk},
		{Score{1, 5, 5}, CantLose},
		{Score{2, 5, 4}, CantLose}, // FM = 5
		{Score{2, 1, 2}, Hibernating},
		{Score{1, 1, 1}, Lost},
		{Score{1, 2, 2}, Lost},
	} {
		got, ok := Segment(test.s, DefaultSegments())
		if !ok || got != test.want {
			t.Errorf("Segment(%v) = %q, %v; want %q", test.s, got, ok, test.want)
		}
	}
}

// Every score triple must match exactly one default rule, so the order of
// the default rules does not matter.
func TestDefaultSegmentsPartition(t *testing.T) {
	rules := DefaultSegments()
	if err := Validate(rules); err != nil {
		t.Fatal(err)
	}
	used := make(map[string]int)
	for _, s := range AllScores() {
		var names []string
		for _, r := range rules {
			if r.Matches(s) {
				names = append(names, r.Name)
			}
		}
		if len(names) != 1 {
			t.Errorf("score %v matches %d rules %v, want exactly 1", s, len(names), names)
			continue
		}
		used[names[0]]++
	}
	if len(used) != 10 {
		t.Errorf("only %d of 10 segments are reachable: %v", len(used), used)
	}
	if n := len(AllScores()); n != 125 {
		t.Errorf("AllScores has %d triples, want 125", n)
	}
}

func TestValidate(t *testing.T) {
	for _, test := range []struct {
		name  string
		rules []Rule
		want  string
	}{
		{"empty", nil, "no segment rules"},
		{"unnamed", []Rule{{}}, "has no name"},
		{"bad range", []Rule{{Name: "x", R: Range{0, 6}}}, "r range 0..6"},
		{"inverted", []Rule{{Name: "x", M: Range{4, 2}}}, "m range 4..2"},
		{"gap", []Rule{{Name: "top", R: Range{2, 5}}}, "no segment rule matches score 111"},
		{"catch-all", []Rule{{Name: "top", R: Range{5, 5}}, {Name: "rest"}}, ""},
	} {
		err := Validate(test.rules)
		switch {
		case test.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", test.name, err)
		case test.want != "" && (err == nil || !strings.Contains(err.Error(), test.want)):
			t.Errorf("%s: got error %v, want it to contain %q", test.name, err, test.want)
		}
	}
}

func TestSegments(t *testing.T) {
	got, err := Segments([]Score{{5, 5, 5}, {1, 1, 1}}, DefaultSegments())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{Champions, Lost}) {
		t.Errorf("got %v", got)
	}
	_, err = Segments([]Score{{5, 5, 5}, {1, 1, 1}}, []Rule{{Name: "top", R: Range{5, 5}}})
	if err == nil || !strings.Contains(err.Error(), "index 1") {
		t.Errorf("got error %v, want one naming index 1", err)
	}
}
