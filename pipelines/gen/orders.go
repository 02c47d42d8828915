package gen

import "math"

// line is one order line; money in cents.
type line struct {
	prod      int
	qty       int64
	rev, cost int64
}

// order writes order k of the customer at unix second ts and returns its
// value in cents (the sum of its regular lines).
//
// The value z ~ Gamma(P, nu) is rounded to cents and split over
// 1 + Poisson(LinesMean-1) distinct products (at most MaxLines), drawn by
// category from the group's weights and inside a category by popularity;
// each planted pair's B joins an order holding its A with probability
// PairProb. Each line gets one cent plus a share of the rest proportional
// to unit price times Exp(1), so the lines sum exactly to the value;
// quantity is the line value over the unit price, rounded, at least one;
// cost is revenue times the product's cost ratio. Then a zero-value line
// (probability zeroLineShare) and, for repeat orders, a return of one line
// of the previous order (probability returnShare) may follow.
func (w *worker) order(b *block, st *custState, k int, ts int64) int64 {
	g, s, c := w.g, w.s, w.g.cat
	gr := st.gr
	cents := max(int64(1), int64(math.Round(s.gamma(gr.GammaGamma.P, st.nu)*100)))
	n := 1 + s.poisson(gr.LinesMean-1)
	n = min(n, MaxLines)
	w.lines = w.lines[:0]
	for range n {
		for try := 0; try < 10; try++ {
			cat := s.pick(g.catCum[st.gi])
			p := c.byCat[cat][s.pick(c.cum[cat])]
			if !w.has(p) {
				w.lines = append(w.lines, line{prod: p})
				break
			}
		}
	}
	for j := 0; j < len(w.lines); j++ { // partners appended here are not re-examined: B is never an A
		if q := c.partner[w.lines[j].prod]; q >= 0 && !w.has(q) && s.bernoulli(PairProb) {
			w.lines = append(w.lines, line{prod: q})
		}
	}
	if int64(len(w.lines)) > cents {
		w.lines = w.lines[:cents]
	}
	// Split the value.
	var wsum float64
	weights := w.weights[:0]
	for _, l := range w.lines {
		v := float64(c.cents[l.prod]) * s.exp(1)
		weights = append(weights, v)
		wsum += v
	}
	w.weights = weights
	rest := cents - int64(len(w.lines))
	left, big := rest, 0
	for j := range w.lines {
		share := int64(float64(rest) * weights[j] / wsum)
		w.lines[j].rev = 1 + share
		left -= share
		if weights[j] > weights[big] {
			big = j
		}
	}
	w.lines[big].rev += left
	for j := range w.lines {
		l := &w.lines[j]
		pc := c.products[l.prod]
		l.qty = max(1, int64(math.Round(float64(l.rev)/float64(c.cents[l.prod]))))
		l.cost = int64(math.Round(float64(l.rev) * pc.CostRatio))
	}
	// Planted pair counts on the regular lines.
	b.pairs.orders++
	var hasA, hasB [numPairs]bool
	for _, l := range w.lines {
		if k := c.pairA[l.prod]; k >= 0 {
			hasA[k] = true
		}
		if k := c.pairB[l.prod]; k >= 0 {
			hasB[k] = true
		}
	}
	for k := range numPairs {
		if hasA[k] {
			b.pairs.withA[k]++
		}
		if hasB[k] {
			b.pairs.withB[k]++
		}
		if hasA[k] && hasB[k] {
			b.pairs.both[k]++
		}
	}
	nRegular := len(w.lines)
	if s.bernoulli(zeroLineShare) {
		cat := s.pick(g.catCum[st.gi])
		p := c.byCat[cat][s.pick(c.cum[cat])]
		w.lines = append(w.lines, line{prod: p, qty: 1, cost: int64(math.Round(float64(c.cents[p]) * c.products[p].CostRatio))})
		b.p.ZeroValueLines++
	}
	if k > 0 && len(w.prev) > 0 && s.bernoulli(returnShare) {
		r := w.prev[s.intn(len(w.prev))]
		w.lines = append(w.lines, line{prod: r.prod, qty: -r.qty, rev: -r.rev, cost: -r.cost})
		b.p.ReturnLines++
	}
	b.p.Orders++
	b.p.RegularLines += int64(nRegular)

	ch := s.pick(g.chanCum[st.gi])
	rep := 0
	if ch == 1 || ch == 3 { // store and phone orders have a sales rep
		rep = 1 + s.intn(numSalesReps)
	}
	for j, l := range w.lines {
		w.orderRow(b, st, k, j+1, ts, l, ch, rep, -1)
		st.lines++
		if s.bernoulli(g.o.DirtyShare) {
			w.orderRow(b, st, k, j+1, ts, l, ch, rep, orderDirty[s.intn(len(orderDirty))])
		}
	}
	w.prev = append(w.prev[:0], w.lines[:nRegular]...)
	return cents
}

const numSalesReps = 20

func (w *worker) has(p int) bool {
	for _, l := range w.lines {
		if l.prod == p {
			return true
		}
	}
	return false
}

// orderRow writes one line of order k. dirty is -1 for a clean row, else
// the dirty kind: the row is then an extra row with order id
// X<customer>-<order>-<line> and line_no 1, otherwise a copy of the line.
func (w *worker) orderRow(b *block, st *custState, k, lineNo int, ts int64, l line, ch, rep, dirty int) {
	s, c := w.s, w.g.cat
	r := b.buf[fOrders]
	if dirty < 0 {
		r = appendID(r, "O", int64(st.i+1))
		r = append(r, '-')
		r = appendInt(r, int64(k+1))
		r = append(r, ',')
		r = appendInt(r, int64(lineNo))
	} else {
		r = appendID(r, "X", int64(st.i+1))
		r = append(r, '-')
		r = appendInt(r, int64(k+1))
		r = append(r, '-')
		r = appendInt(r, int64(lineNo))
		r = append(r, ",1"...)
		b.dirty[fOrders][dirty]++
	}
	r = append(r, ',')
	switch dirty {
	case dkEmptyCustomerID:
	case dkUnknownCustomer:
		r = appendID(r, "CU", int64(st.i+1))
	default:
		r = append(r, st.cid...)
	}
	r = append(r, ',')
	switch dirty {
	case dkTSAfterAsOf:
		r = appendTS(r, w.g.asOf+1+int64(s.intn(30*86400)))
	case dkBadDate:
		r = appendField(r, badTimestamps[s.intn(len(badTimestamps))])
	default:
		r = appendTS(r, ts)
	}
	r = append(r, ',')
	r = append(r, c.products[l.prod].ID...)
	r = append(r, ',')
	r = append(r, c.products[l.prod].Category...)
	r = append(r, ',')
	r = appendInt(r, l.qty)
	r = append(r, ',')
	switch dirty {
	case dkBadRevenueText:
		r = appendField(r, badRevenueTexts[s.intn(len(badRevenueTexts))])
	case dkRevenueNaN:
		r = append(r, "NaN"...)
	case dkRevenueInf:
		r = append(r, "Inf"...)
	default:
		r = appendCents(r, l.rev)
	}
	r = append(r, ',')
	r = appendCents(r, l.cost)
	r = append(r, ',')
	r = append(r, orderChannels[ch]...)
	r = append(r, ',')
	if rep > 0 {
		r = appendID(r, "SR", int64(rep))
	}
	r = append(r, '\n')
	b.buf[fOrders] = r
	b.rows[fOrders]++
}
