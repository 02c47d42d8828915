package clv

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/crmbatch/crmbatch/engine/frame"
	"github.com/crmbatch/crmbatch/models/btyd"
	"github.com/crmbatch/crmbatch/models/logit"
	"github.com/crmbatch/crmbatch/pipelines/config"
)

// Time-invariant covariates (clv.covariates.purchase and .dropout) enter
// BG/NBD and Pareto/NBD as exp(z'beta) factors (models/btyd BGNBDCov,
// ParetoNBDCov; Fader & Hardie 2007, note 019). Columns of the customer
// table are encoded by the logistic-regression encoder (models/logit):
// text columns are one-hot with the first level in sorted order as the
// reference (its coefficient is 0) and levels seen for fewer than
// minLevelCount buyers pooled into "(other)"; numeric columns are centred
// and scaled to unit standard deviation, a missing value taking the mean
// with a "(missing)" indicator. The baseline parameters of a covariate fit
// (r, alpha, a, b / r, alpha, s, beta) are those of a customer at the
// reference levels and the mean of every numeric covariate.

// minLevelCount pools rarer levels of a categorical covariate: a level
// seen for a handful of buyers does not identify its coefficient.
const minLevelCount = 30

// candidate is one repeat-purchase model the stage can fit: BG/NBD or
// Pareto/NBD, with or without the configured covariates.
type candidate struct {
	base string // bgnbd or paretonbd
	cov  bool
}

// key names the candidate in model_params and clv_holdout: bgnbd,
// paretonbd, bgnbd_cov, paretonbd_cov.
func (c candidate) key() string {
	if c.cov {
		return c.base + "_cov"
	}
	return c.base
}

// candidates lists the configured models in order, without covariates.
// With covariates, the model that wins among these (on the holdout, or
// the first usable one without a holdout) is also fitted with them and
// compared: a Pareto/NBD with a dozen indicator covariates costs several
// times its plain fit on a million customers, so only the model that
// would score gets that fit.
func candidates(c *config.CLV) []candidate {
	var out []candidate
	for _, m := range c.Models {
		out = append(out, candidate{base: m})
	}
	return out
}

// design is the encoded covariates of a set of customers, with the
// encoders learnt on them.
type design struct {
	purchase, dropout btyd.Covariates
}

// rawCovariates returns the named columns of t as encoder input: text as
// categorical ("" for null), numbers and booleans as numeric (NaN for
// null), for the rows listed (all rows when rows is nil).
func rawCovariates(t frame.Table, names []string, rows []int) ([]logit.Column, error) {
	var out []logit.Column
	for _, name := range names {
		c := t.Col(name)
		if c == nil {
			return nil, fmt.Errorf("clv.covariates: %q is not a column of the customer table", name)
		}
		n := c.Len()
		if rows != nil {
			n = len(rows)
		}
		row := func(k int) int {
			if rows == nil {
				return k
			}
			return rows[k]
		}
		switch c.Kind {
		case frame.String:
			v := make([]string, n)
			for k := range v {
				if i := row(k); !c.IsNull(i) {
					v[k] = c.Strings[i]
				}
			}
			out = append(out, logit.Column{Name: name, Categorical: v})
		case frame.Float64, frame.Int64, frame.Bool:
			v := make([]float64, n)
			for k := range v {
				i := row(k)
				switch {
				case c.IsNull(i):
					v[k] = math.NaN()
				case c.Kind == frame.Float64:
					v[k] = c.Floats[i]
				case c.Kind == frame.Bool && c.Bools[i]:
					v[k] = 1
				case c.Kind == frame.Int64:
					v[k] = float64(c.Ints[i])
				}
			}
			out = append(out, logit.Column{Name: name, Numeric: v})
		default:
			return nil, fmt.Errorf("clv.covariates: column %q is %s; use a text, numeric or boolean column", name, c.Kind)
		}
	}
	return out, nil
}

// encodeSide encodes one side (purchase or dropout) of the covariates,
// learning the encoder on the same rows. No columns give no covariates.
func encodeSide(cols []logit.Column) (btyd.Covariates, []string, error) {
	if len(cols) == 0 {
		return btyd.Covariates{}, nil, nil
	}
	enc, err := logit.NewEncoder(cols, &logit.EncoderSettings{MinCount: minLevelCount, DropFirst: true, RawIndicators: true})
	if err != nil {
		return btyd.Covariates{}, nil, err
	}
	x, err := enc.Transform(cols)
	if err != nil {
		return btyd.Covariates{}, nil, err
	}
	names := enc.Names()
	n := cols[0].Len()
	cv := btyd.Covariates{Names: names, Columns: make([][]float64, len(names))}
	raw := x.RawMatrix()
	for j := range names {
		col := make([]float64, n)
		for i := range col {
			col[i] = raw.Data[i*raw.Stride+j]
		}
		cv.Columns[j] = col
	}
	return cv, enc.Notes, nil
}

// newDesign encodes the configured covariates of the rows of t (all rows
// when rows is nil). notes are the encoder's decisions (pooled levels,
// constant columns dropped).
func newDesign(t frame.Table, c config.Covariates, rows []int) (*design, []string, error) {
	d := &design{}
	var notes []string
	for _, side := range []struct {
		names []string
		dst   *btyd.Covariates
		what  string
	}{{c.Purchase, &d.purchase, "purchase"}, {c.Dropout, &d.dropout, "dropout"}} {
		raw, err := rawCovariates(t, side.names, rows)
		if err != nil {
			return nil, nil, err
		}
		cv, n, err := encodeSide(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("clv.covariates.%s: %w", side.what, err)
		}
		*side.dst = cv
		for _, s := range n {
			notes = append(notes, side.what+": "+s)
		}
	}
	return d, notes, nil
}

// patterns numbers the distinct covariate rows: customers with equal
// purchase and dropout covariates share a pattern (and so a model). It
// returns each customer's pattern and one representative customer per
// pattern.
func (d *design) patterns(n int) (pat []int32, first []int) {
	pat = make([]int32, n)
	cols := append(append([][]float64{}, d.purchase.Columns...), d.dropout.Columns...)
	seen := map[string]int32{}
	key := make([]byte, 8*len(cols))
	for i := range n {
		for j, c := range cols {
			binary.LittleEndian.PutUint64(key[8*j:], math.Float64bits(c[i]))
		}
		p, ok := seen[string(key)]
		if !ok {
			p = int32(len(first))
			seen[string(key)] = p
			first = append(first, i)
		}
		pat[i] = p
	}
	return pat, first
}
