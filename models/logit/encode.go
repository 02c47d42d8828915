package logit

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Column is one raw input feature. Exactly one of Numeric or Categorical is
// non-nil.
type Column struct {
	// Name is the user's name of the feature, used in encoded column names.
	Name string
	// Numeric holds numeric values; NaN means missing.
	Numeric []float64
	// Categorical holds category labels; "" means missing.
	Categorical []string
}

// Len returns the number of rows of c.
func (c Column) Len() int {
	if c.Numeric != nil {
		return len(c.Numeric)
	}
	return len(c.Categorical)
}

// Level names used for pooled and missing categories.
const (
	OtherLevel   = "(other)"
	MissingLevel = "(missing)"
)

// EncoderSettings controls NewEncoder. A nil *EncoderSettings means the
// defaults.
type EncoderSettings struct {
	// MinCount is the frequency floor: categorical levels seen in fewer than
	// MinCount training rows are pooled into the OtherLevel. Zero or one
	// keeps every level.
	MinCount int
	// DropFirst drops the reference level (the first level in sorted order,
	// as scikit-learn's OneHotEncoder(drop="first") and pandas'
	// get_dummies(drop_first=True)) of every categorical column. False keeps
	// all levels.
	DropFirst bool
	// RawIndicators leaves one-hot and missing-indicator columns as 0/1.
	// False standardises them like numeric columns (scikit-learn's
	// StandardScaler applied after get_dummies).
	RawIndicators bool
}

// Encoder maps raw Columns to a standardised design matrix. It is learnt
// from training data by NewEncoder and applied with Transform.
type Encoder struct {
	specs []colSpec
	names []string
	mean  []float64 // per encoded column
	sd    []float64
	// Notes lists what the encoder decided that a user should know
	// (dropped constant columns, pooled levels).
	Notes []string
}

type colSpec struct {
	name       string
	numeric    bool
	fillMean   float64        // numeric: training mean used for imputation
	indicator  bool           // numeric: add a "(missing)" column
	dropNum    bool           // numeric: constant in training, not encoded
	levels     map[string]int // categorical: kept level -> offset, -1 for the reference
	hasOther   bool           // categorical: rare levels were pooled
	other      int            // offset of OtherLevel, -1 if absent or the reference
	first, num int            // first encoded column and count
}

// ErrNoRows is returned when a data set has no rows.
var ErrNoRows = errors.New("logit: no rows")

// NewEncoder learns an encoding of cols (the training data). It returns an
// error when there are no columns or rows or when column lengths differ;
// constant columns are dropped and reported in Encoder.Notes.
func NewEncoder(cols []Column, s *EncoderSettings) (*Encoder, error) {
	var set EncoderSettings
	if s != nil {
		set = *s
	}
	n, err := checkColumns(cols)
	if err != nil {
		return nil, err
	}
	e := &Encoder{}
	for _, c := range cols {
		sp := colSpec{name: c.Name, numeric: c.Numeric != nil, first: len(e.names), other: -1}
		if sp.numeric {
			var sum float64
			var cnt int
			for _, v := range c.Numeric {
				if !math.IsNaN(v) {
					sum += v
					cnt++
				}
			}
			if cnt == 0 {
				sp.dropNum = true
				e.Notes = append(e.Notes, fmt.Sprintf("%s: every value missing in training; dropped", c.Name))
			} else {
				sp.fillMean = sum / float64(cnt)
				sp.indicator = cnt < n
				e.names = append(e.names, c.Name)
				if sp.indicator {
					e.names = append(e.names, c.Name+" (missing)")
				}
			}
		} else {
			counts := map[string]int{}
			for _, v := range c.Categorical {
				if v == "" {
					v = MissingLevel
				}
				counts[v]++
			}
			var kept []string
			var pooled int
			for lv, k := range counts {
				if k < set.MinCount {
					pooled += k
					continue
				}
				kept = append(kept, lv)
			}
			if pooled > 0 {
				e.Notes = append(e.Notes, fmt.Sprintf("%s: %d rows in levels rarer than %d pooled into %q", c.Name, pooled, set.MinCount, OtherLevel))
				if _, ok := counts[OtherLevel]; !ok {
					kept = append(kept, OtherLevel)
				}
			}
			sort.Strings(kept)
			sp.hasOther = pooled > 0
			sp.levels = make(map[string]int, len(kept))
			if set.DropFirst && len(kept) > 0 {
				sp.levels[kept[0]] = -1 // reference: all-zero pattern
				kept = kept[1:]
			}
			for i, lv := range kept {
				sp.levels[lv] = i
				e.names = append(e.names, c.Name+"="+lv)
			}
			if i, ok := sp.levels[OtherLevel]; ok {
				sp.other = i
			}
		}
		sp.num = len(e.names) - sp.first
		e.specs = append(e.specs, sp)
	}
	raw := e.rawMatrix(cols, n)
	p := len(e.names)
	e.mean = make([]float64, p)
	e.sd = make([]float64, p)
	isInd := e.indicatorColumns()
	for j := 0; j < p; j++ {
		var m, ss float64
		for i := 0; i < n; i++ {
			m += raw.At(i, j)
		}
		m /= float64(n)
		for i := 0; i < n; i++ {
			d := raw.At(i, j) - m
			ss += d * d
		}
		sd := math.Sqrt(ss / float64(n)) // population sd, as StandardScaler
		e.mean[j], e.sd[j] = m, sd
		if set.RawIndicators && isInd[j] {
			e.mean[j], e.sd[j] = 0, 1
		}
		if !(sd > 1e-12*math.Max(1, math.Abs(m))) {
			e.sd[j] = 0 // constant: encoded as 0 and reported
			e.Notes = append(e.Notes, fmt.Sprintf("%s: constant in training; encoded as 0 (drop it or expect a zero coefficient)", e.names[j]))
		}
	}
	return e, nil
}

func (e *Encoder) indicatorColumns() []bool {
	ind := make([]bool, len(e.names))
	for _, sp := range e.specs {
		for j := sp.first; j < sp.first+sp.num; j++ {
			ind[j] = !sp.numeric || j > sp.first
		}
	}
	return ind
}

// Names returns the names of the encoded columns, in the user's terms.
func (e *Encoder) Names() []string { return append([]string(nil), e.names...) }

// Transform encodes cols, which must have the training columns' names, kinds
// and order, into a new row-major n x len(Names()) matrix. Unseen categories
// map to the OtherLevel when training had one and otherwise to the all-zero
// (reference) pattern; missing numeric values take the training mean.
func (e *Encoder) Transform(cols []Column) (*mat.Dense, error) {
	if len(cols) != len(e.specs) {
		return nil, fmt.Errorf("logit: Transform got %d columns; the encoder was fitted on %d", len(cols), len(e.specs))
	}
	for i, c := range cols {
		if c.Name != e.specs[i].name || (c.Numeric != nil) != e.specs[i].numeric {
			return nil, fmt.Errorf("logit: column %d is %q; the encoder expects %q of the same kind", i, c.Name, e.specs[i].name)
		}
	}
	n, err := checkColumns(cols)
	if err != nil {
		return nil, err
	}
	x := e.rawMatrix(cols, n)
	raw := x.RawMatrix()
	p := len(e.names)
	for i := 0; i < n; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+p]
		for j, v := range row {
			if e.sd[j] == 0 {
				row[j] = 0
			} else {
				row[j] = (v - e.mean[j]) / e.sd[j]
			}
		}
	}
	return x, nil
}

// rawMatrix builds the unstandardised encoded matrix.
func (e *Encoder) rawMatrix(cols []Column, n int) *mat.Dense {
	p := len(e.names)
	if p == 0 {
		return &mat.Dense{}
	}
	x := mat.NewDense(n, p, nil)
	raw := x.RawMatrix()
	for k, c := range cols {
		sp := e.specs[k]
		if sp.num == 0 {
			continue
		}
		for i := 0; i < n; i++ {
			row := raw.Data[i*raw.Stride:]
			if sp.numeric {
				v := c.Numeric[i]
				if math.IsNaN(v) {
					row[sp.first] = sp.fillMean
					if sp.indicator {
						row[sp.first+1] = 1
					}
				} else {
					row[sp.first] = v
				}
				continue
			}
			lv := c.Categorical[i]
			if lv == "" {
				lv = MissingLevel
			}
			j, ok := sp.levels[lv]
			if !ok {
				// Pooled or unseen: the other level, else the zero pattern.
				j = sp.other
			}
			if j >= 0 {
				row[sp.first+j] = 1
			}
		}
	}
	return x
}

func checkColumns(cols []Column) (int, error) {
	if len(cols) == 0 {
		return 0, errors.New("logit: empty feature set")
	}
	n := cols[0].Len()
	for _, c := range cols {
		if (c.Numeric == nil) == (c.Categorical == nil) {
			return 0, fmt.Errorf("logit: column %q: set exactly one of Numeric or Categorical", c.Name)
		}
		if c.Len() != n {
			return 0, fmt.Errorf("logit: column %q has %d rows; column %q has %d", c.Name, c.Len(), cols[0].Name, n)
		}
	}
	if n == 0 {
		return 0, ErrNoRows
	}
	return n, nil
}
