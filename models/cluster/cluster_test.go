package cluster

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// blobs returns n rows of d features drawn around k planted centres with
// unit-variance Gaussian noise, and the planted labels. Centre c sits at
// distance sep along axis c mod d (negated for c >= d), so centres are
// sep*sqrt(2) apart.
func blobs(n, d, k int, sep float64, seed uint64) ([]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, n*d)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		c := rng.IntN(k)
		labels[i] = c
		for j := 0; j < d; j++ {
			x[i*d+j] = rng.NormFloat64()
		}
		if c < d {
			x[i*d+c] += sep
		} else {
			x[i*d+c%d] -= sep
		}
	}
	return x, labels
}

func TestKMeansBlobs(t *testing.T) {
	for _, test := range []struct {
		name    string
		n, d, k int
		sep     float64
		sample  int
		minARI  float64
	}{
		{"well separated", 3000, 4, 4, 10, 0, 0.999},
		{"overlapping", 3000, 4, 4, 3, 0, 0.8},
		{"sampled", 40000, 8, 5, 6, 2000, 0.99},
		{"sampled no refinement", 40000, 8, 5, 6, 2000, 0.99},
		{"k above d", 4000, 3, 5, 8, 0, 0.99},
	} {
		if testing.Short() && test.n > 10000 {
			continue
		}
		x, truth := blobs(test.n, test.d, test.k, test.sep, 1)
		s := &Settings{Src: rand.NewPCG(42, 0), SampleSize: test.sample}
		if test.name == "sampled no refinement" {
			s.FullIter = -1
		}
		res, err := KMeans(x, test.d, test.k, s)
		if err != nil {
			t.Fatalf("%s: %v", test.name, err)
		}
		if ari := AdjustedRand(res.Labels, truth); ari < test.minARI {
			t.Errorf("%s: ARI = %.4f, want >= %v", test.name, ari, test.minARI)
		}
		if res.Iterations == 0 && test.sample == 0 {
			t.Errorf("%s: zero Lloyd iterations reported", test.name)
		}
		if !res.Converged {
			t.Errorf("%s: not converged after %d iterations", test.name, res.Iterations)
		}
		total := 0
		for _, s := range res.Sizes {
			total += s
		}
		if total != test.n || len(res.Centroids) != test.k*test.d {
			t.Errorf("%s: sizes sum %d, %d centroid values", test.name, total, len(res.Centroids))
		}
		// Inertia must equal the sum of squared distances to the centroids.
		want := 0.0
		for i, l := range res.Labels {
			want += sqDist(x[i*test.d:(i+1)*test.d], res.Centroids[l*test.d:(l+1)*test.d])
		}
		if math.Abs(res.Inertia-want) > 1e-9*want {
			t.Errorf("%s: inertia %v, recomputed %v", test.name, res.Inertia, want)
		}
	}
}

// Results must be bit-for-bit identical for a seed whatever the number of
// workers or GOMAXPROCS.
func TestKMeansDeterministic(t *testing.T) {
	x, _ := blobs(30000, 8, 5, 2, 3)
	run := func(workers, procs int) *Result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res, err := KMeans(x, 8, 5, &Settings{Src: rand.NewPCG(9, 9), Workers: workers, SampleSize: 10000})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(1, 1), run(4, 3)
	if a.Inertia != b.Inertia || !slices.Equal(a.Labels, b.Labels) || !slices.Equal(a.Centroids, b.Centroids) {
		t.Errorf("results differ between 1 and 4 workers: inertia %v vs %v", a.Inertia, b.Inertia)
	}
	c, err := KMeans(x, 8, 5, &Settings{Src: rand.NewPCG(10, 9), SampleSize: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if ari := AdjustedRand(a.Labels, c.Labels); math.IsNaN(ari) {
		t.Errorf("ARI between seeds is NaN")
	}
}

func TestKMeansDegenerate(t *testing.T) {
	// Three distinct points, ten copies each: k = 3 has zero inertia.
	var x []float64
	for i := 0; i < 30; i++ {
		x = append(x, float64(10*(i%3)))
	}
	res, err := KMeans(x, 1, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Inertia != 0 || !slices.Equal(res.Sizes, []int{10, 10, 10}) {
		t.Errorf("three points: inertia %v, sizes %v", res.Inertia, res.Sizes)
	}
	// Identical rows: clusters beyond the first stay empty or hold copies,
	// without a panic.
	same := make([]float64, 20)
	if res, err = KMeans(same, 2, 3, nil); err != nil || res.Inertia != 0 {
		t.Errorf("identical rows: %v, %v", res, err)
	}
	if _, err = KMeans([]float64{1, 2}, 1, 3, nil); err == nil {
		t.Error("no error for fewer rows than clusters")
	}
}

func TestChooseK(t *testing.T) {
	for _, k := range []int{2, 3, 4, 6} {
		x, truth := blobs(4000, 6, k, 8, uint64(k))
		sel, err := ChooseK(x, 6, 2, 8, &Settings{Src: rand.NewPCG(1, uint64(k)), SilhouetteSize: 1500})
		if err != nil {
			t.Fatal(err)
		}
		if sel.K != k {
			t.Errorf("planted k = %d: chose %d, silhouettes %.3f", k, sel.K, sel.Silhouettes)
		}
		if ari := AdjustedRand(sel.Result.Labels, truth); ari < 0.99 {
			t.Errorf("planted k = %d: ARI %.4f", k, ari)
		}
		if len(sel.Ks) != 7 || len(sel.Silhouettes) != 7 {
			t.Errorf("got %d candidates", len(sel.Ks))
		}
	}
}

// Reference values are hand-computed and agree with scikit-learn's
// adjusted_rand_score documentation examples.
func TestAdjustedRand(t *testing.T) {
	for _, test := range []struct {
		name string
		a, b []int
		want float64
	}{
		{"identical", []int{0, 0, 1, 1}, []int{0, 0, 1, 1}, 1},
		{"relabelled", []int{0, 0, 1, 1}, []int{1, 1, 0, 0}, 1},
		{"split one cluster", []int{0, 0, 1, 2}, []int{0, 0, 1, 1}, 4.0 / 7},
		{"one cluster vs singletons", []int{0, 0, 0, 0}, []int{0, 1, 2, 3}, 0},
		{"anti-correlated", []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, -0.5},
		{"both one cluster", []int{3, 3, 3}, []int{7, 7, 7}, 1},
		// Contingency [[2,1,0],[0,2,1]]: index 2, row sum 6, column sum 4,
		// expected 6*4/C(6,2) = 1.6, maximum 5, so ARI = 0.4/3.4.
		{"hand 6 items", []int{0, 0, 0, 1, 1, 1}, []int{0, 0, 1, 1, 1, 2}, 0.4 / 3.4},
	} {
		if got := AdjustedRand(test.a, test.b); math.Abs(got-test.want) > 1e-12 {
			t.Errorf("%s: got %v, want %v", test.name, got, test.want)
		}
	}
}

func TestSilhouette(t *testing.T) {
	// Hand-computed: points 0 and 1 against 10 and 11 on a line give
	// s = 9.5/10.5 for the outer points and 8.5/9.5 for the inner ones.
	x := []float64{0, 1, 10, 11}
	want := (9.5/10.5 + 8.5/9.5) / 2
	if got := Silhouette(x, 1, []int{0, 0, 1, 1}, 2, 3); math.Abs(got-want) > 1e-12 {
		t.Errorf("two pairs: got %v, want %v", got, want)
	}
	// A singleton cluster scores 0 for its row: rows 0,1 as above with
	// b = 10 and 9, row 2 alone.
	want = ((10-1)/10.0 + (9-1)/9.0 + 0) / 3
	if got := Silhouette([]float64{0, 1, 10}, 1, []int{0, 0, 1}, 2, 1); math.Abs(got-want) > 1e-12 {
		t.Errorf("singleton: got %v, want %v", got, want)
	}
	if got := Silhouette(x, 1, []int{0, 0, 0, 0}, 2, 1); !math.IsNaN(got) {
		t.Errorf("one cluster: got %v, want NaN", got)
	}
}

func TestStandardize(t *testing.T) {
	// Column 0 is 1,2,3 (mean 2, population sd sqrt(2/3)); column 1 is
	// constant.
	x := []float64{1, 5, 2, 5, 3, 5}
	z, sc := Standardize(x, 2)
	s := math.Sqrt(2.0 / 3)
	want := []float64{-1 / s, 0, 0, 0, 1 / s, 0}
	for i := range want {
		if math.Abs(z[i]-want[i]) > 1e-12 {
			t.Errorf("z[%d] = %v, want %v", i, z[i], want[i])
		}
	}
	if sc.SD[1] != 0 || sc.Mean[1] != 5 {
		t.Errorf("constant column: mean %v sd %v", sc.Mean[1], sc.SD[1])
	}
	back := sc.Inverse(z)
	for i := range x {
		if math.Abs(back[i]-x[i]) > 1e-12 {
			t.Errorf("Inverse[%d] = %v, want %v", i, back[i], x[i])
		}
	}
}

func TestProfile(t *testing.T) {
	// Overall means 4 and 15, population sds sqrt(5) and 5.
	x := []float64{1, 10, 3, 10, 5, 20, 7, 20}
	p := Profile(x, 2, []int{0, 0, 1, 1}, 2, []string{"recency", "spend"}, 1)
	if p[0].Size != 2 || p[0].Share != 0.5 {
		t.Errorf("size %d share %v", p[0].Size, p[0].Share)
	}
	if !slices.Equal(p[0].Mean, []float64{2, 10}) || !slices.Equal(p[1].Mean, []float64{6, 20}) {
		t.Errorf("means %v %v", p[0].Mean, p[1].Mean)
	}
	if z := -2 / math.Sqrt(5); math.Abs(p[0].Z[0]-z) > 1e-12 || p[0].Z[1] != -1 {
		t.Errorf("z %v, want [%v -1]", p[0].Z, z)
	}
	if len(p[0].Distinguishing) != 1 || p[0].Distinguishing[0].Name != "spend" || p[0].Distinguishing[0].Z != -1 {
		t.Errorf("distinguishing %+v", p[0].Distinguishing)
	}
}
