package rfm

import (
	"fmt"
)

// Range is an inclusive score range Lo..Hi. The zero Range matches every
// score, so a rule only states the scores it constrains.
type Range struct {
	Lo, Hi int
}

// Contains reports whether v lies in r. The zero Range contains everything.
func (r Range) Contains(v int) bool {
	if r.Lo == 0 && r.Hi == 0 {
		return true
	}
	return r.Lo <= v && v <= r.Hi
}

// Rule names a segment by score ranges. A score matches the rule when every
// range contains the corresponding score; FM is the combined score
// Score.FM. Zero ranges are unconstrained.
type Rule struct {
	Name string `yaml:"name"`
	R    Range  `yaml:"r"`
	F    Range  `yaml:"f"`
	M    Range  `yaml:"m"`
	FM   Range  `yaml:"fm"`
}

// Matches reports whether s satisfies every range of the rule.
func (r Rule) Matches(s Score) bool {
	return r.R.Contains(s.R) && r.F.Contains(s.F) && r.M.Contains(s.M) && r.FM.Contains(s.FM())
}

// Segment names used by DefaultSegments.
const (
	Champions         = "Champions"
	Loyal             = "Loyal"
	PotentialLoyalist = "Potential Loyalist"
	New               = "New"
	Promising         = "Promising"
	NeedsAttention    = "Needs Attention"
	AtRisk            = "At Risk"
	CantLose          = "Can't Lose"
	Hibernating       = "Hibernating"
	Lost              = "Lost"
)

// DefaultSegments returns the R versus FM grid commonly used for RFM
// segmentation, with R on the rows and FM = (F+M+1)/2 on the columns:
//
//	        FM=1         FM=2         FM=3         FM=4        FM=5
//	R=5     New          Pot.Loyalist Pot.Loyalist Champions   Champions
//	R=4     Promising    Pot.Loyalist Pot.Loyalist Loyal       Loyal
//	R=3     Needs Att.   Needs Att.   Needs Att.   Loyal       Loyal
//	R=2     Hibernating  Hibernating  At Risk      At Risk     Can't Lose
//	R=1     Lost         Lost         At Risk      At Risk     Can't Lose
//
// The usual grid has an eleventh cell group, "About to Sleep" (R=3,
// FM=1..2); here it is folded into Needs Attention, and the grid's
// Hibernating corner is split into Hibernating (R=2) and Lost (R=1).
// Rules are evaluated in order and the first match wins; together they
// cover every score triple exactly once. The returned slice is a fresh copy
// that the caller may modify.
func DefaultSegments() []Rule {
	return []Rule{
		{Name: Champions, R: Range{5, 5}, FM: Range{4, 5}},
		{Name: Loyal, R: Range{3, 4}, FM: Range{4, 5}},
		{Name: PotentialLoyalist, R: Range{4, 5}, FM: Range{2, 3}},
		{Name: New, R: Range{5, 5}, FM: Range{1, 1}},
		{Name: Promising, R: Range{4, 4}, FM: Range{1, 1}},
		{Name: NeedsAttention, R: Range{3, 3}, FM: Range{1, 3}},
		{Name: AtRisk, R: Range{1, 2}, FM: Range{3, 4}},
		{Name: CantLose, R: Range{1, 2}, FM: Range{5, 5}},
		{Name: Hibernating, R: Range{2, 2}, FM: Range{1, 2}},
		{Name: Lost, R: Range{1, 1}, FM: Range{1, 2}},
	}
}

// Segment returns the name of the first rule that s matches, and false if
// no rule matches.
func Segment(s Score, rules []Rule) (string, bool) {
	for _, r := range rules {
		if r.Matches(s) {
			return r.Name, true
		}
	}
	return "", false
}

// Segments returns the segment name of every score. It returns an error
// naming the first customer index whose score no rule matches; run Validate
// on configured rules to catch gaps before scoring.
func Segments(scores []Score, rules []Rule) ([]string, error) {
	out := make([]string, len(scores))
	for i, s := range scores {
		name, ok := Segment(s, rules)
		if !ok {
			return nil, fmt.Errorf("rfm: no segment rule matches score %s of customer at index %d", s, i)
		}
		out[i] = name
	}
	return out, nil
}

// Validate checks a rule set: every rule has a name, every non-zero range
// lies within 1..5 with Lo <= Hi, and every one of the 125 score triples
// (R, F, M in 1..5) matches some rule. The error names the offending rule or
// the first uncovered triple.
func Validate(rules []Rule) error {
	if len(rules) == 0 {
		return fmt.Errorf("rfm: no segment rules")
	}
	for i, r := range rules {
		if r.Name == "" {
			return fmt.Errorf("rfm: segment rule %d has no name", i)
		}
		for _, c := range []struct {
			field string
			rg    Range
		}{{"r", r.R}, {"f", r.F}, {"m", r.M}, {"fm", r.FM}} {
			if c.rg == (Range{}) {
				continue
			}
			if c.rg.Lo < 1 || c.rg.Hi > 5 || c.rg.Lo > c.rg.Hi {
				return fmt.Errorf("rfm: segment rule %d (%q): %s range %d..%d must satisfy 1 <= lo <= hi <= 5",
					i, r.Name, c.field, c.rg.Lo, c.rg.Hi)
			}
		}
	}
	for _, s := range AllScores() {
		if _, ok := Segment(s, rules); !ok {
			return fmt.Errorf("rfm: no segment rule matches score %s; add a rule or a catch-all last rule", s)
		}
	}
	return nil
}

// AllScores returns the 125 score triples in R, F, M order from 111 to 555.
func AllScores() []Score {
	out := make([]Score, 0, 125)
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			for m := 1; m <= 5; m++ {
				out = append(out, Score{r, f, m})
			}
		}
	}
	return out
}
