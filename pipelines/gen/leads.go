package gen

import (
	"math"
	"strconv"
)

// lead writes lead j and, with probability oppLeadShare when it
// converted, its opportunity.
//
// Features: source, company_size by fixed weights; country and industry
// uniform; pages_viewed = 1 + Poisson(4); visits = 1 + Poisson(1.2);
// time_on_site = ceil(LogNormal(5, 1)) seconds; free_email ~
// Bernoulli(0.35). converted follows the logistic model of LeadTruth. A
// converted lead j < Customers is linked to customer j with probability
// leadLinkShare: converted_ts is then that customer's sign-up instant and
// created_ts precedes it by min(Gamma(2, 2/14), 89) days (so it may fall
// up to 89 days before the window). Other leads are created uniformly in
// [start, AsOf-90 days] and convert after the same delay.
func (w *worker) lead(j int, b *block) {
	g, s := w.g, w.s
	s.reset(g.o.Seed, domainLead, uint64(j))
	src := s.pick(g.srcCum)
	size := s.pick(g.sizeCum)
	country := leadCountries[s.intn(len(leadCountries))]
	industry := industries[s.intn(len(industries))]
	pages := 1 + s.poisson(leadPagesMean)
	visits := 1 + s.poisson(leadVisitsMean)
	tos := math.Ceil(s.lognormal(leadTimeLogMean, leadTimeLogSD))
	free := s.bernoulli(leadFreeShare)
	x := leadIntercept + leadPages*float64(pages) + leadVisits*float64(visits) +
		leadLogTime*math.Log(tos) + leadSourceCoef[src] + companySizeCoef[size]
	if free {
		x += leadFree
	}
	converted := s.bernoulli(sigmoid(x))
	delay := int64(math.Min(s.gamma(2, 2/leadDelayMean), leadDelayMax) * secPerDay)
	linked := converted && j < g.o.Customers && s.bernoulli(leadLinkShare)
	u := s.uniform()
	makeOpp := converted && s.bernoulli(oppLeadShare)
	var created, conv int64
	if linked {
		conv = g.signup(w.custStream, j)
		created = conv - delay
	} else {
		created = g.start + int64(u*(g.window-90*secPerDay))
		conv = created + delay
	}

	b.leads.Count++
	r := b.buf[fLeads]
	lid := appendID(make([]byte, 0, 16), "L", int64(j+1))
	r = append(r, lid...)
	r = append(r, ',')
	r = appendTS(r, created)
	r = append(r, ',')
	r = append(r, leadSources[src]...)
	r = append(r, ',')
	r = append(r, country...)
	r = append(r, ',')
	r = append(r, industry...)
	r = append(r, ',')
	r = append(r, companySizes[size]...)
	r = append(r, ',')
	r = appendInt(r, int64(pages))
	r = append(r, ',')
	r = appendInt(r, int64(visits))
	r = append(r, ',')
	r = appendInt(r, int64(tos))
	r = append(r, ',')
	r = appendBool(r, free)
	r = append(r, ',')
	r = appendBool(r, converted)
	r = append(r, ',')
	var cid []byte
	if converted {
		r = appendTS(r, conv)
		b.leads.Converted++
	}
	r = append(r, ',')
	if linked {
		cid = appendID(nil, "C", int64(j+1))
		r = append(r, cid...)
		b.leads.Linked++
	}
	r = append(r, '\n')
	b.buf[fLeads] = r
	b.rows[fLeads]++

	if makeOpp {
		partner := 0
		if src == sourcePartnerIdx {
			partner = 1 + s.intn(numPartners)
		}
		w.opportunity(b, cid, lid, src, partner, conv, amountLogLead)
	}
}

// opportunity writes the stage log of one opportunity created at unix
// second created: one row per stage entered by AsOf. The true outcome is
// won with probability sigmoid(winIntercept + oppSourceCoef[src] +
// ownerCoef[owner]); a won opportunity passes the four open stages, a
// lost one leaves after a uniformly drawn open stage; each stage lasts
// Gamma(2, 2/mean) days. The amount is LogNormal(logMean, amountLogSD).
// Its id is OP<lead> or OPC<customer>.
func (w *worker) opportunity(b *block, cid, lid []byte, src, partner int, created int64, logMean float64) {
	g, s := w.g, w.s
	owner := s.intn(len(owners))
	won := s.bernoulli(sigmoid(winIntercept + oppSourceCoef[src] + ownerCoef[owner]))
	last := len(stageMeanDays) - 1
	if !won {
		last = s.intn(len(stageMeanDays))
	}
	amount := round2(s.lognormal(logMean, amountLogSD))
	var times [5]int64
	t := created
	for k := 0; k <= last; k++ {
		times[k] = t
		t += int64(s.gamma(2, 2/stageMeanDays[k]) * secPerDay)
	}
	closed := t <= g.asOf
	var id []byte
	if lid != nil {
		id = append(append(id, "OP"...), lid[1:]...)
	} else {
		id = append(append(id, "OPC"...), cid[1:]...)
	}
	b.opps.Count++
	outcome := "open"
	switch {
	case !closed:
		b.opps.Open++
	case won:
		b.opps.Won++
		outcome = "won"
	default:
		b.opps.Lost++
		outcome = "lost"
	}
	row := func(stage int, ts int64, closing bool) {
		r := b.buf[fOpportunities]
		r = append(r, id...)
		r = append(r, ',')
		r = append(r, cid...)
		r = append(r, ',')
		r = append(r, lid...)
		r = append(r, ',')
		r = append(r, stages[stage]...)
		r = append(r, ',')
		r = appendTS(r, ts)
		r = append(r, ',')
		r = appendMoney(r, amount)
		r = append(r, ',')
		if closing {
			r = appendTS(r, ts)
			r = append(r, ',')
			r = append(r, outcome...)
		} else {
			r = append(r, ",open"...)
		}
		r = append(r, ',')
		r = append(r, owners[owner]...)
		r = append(r, ',')
		r = append(r, oppSources[src]...)
		r = append(r, ',')
		if partner > 0 {
			r = append(r, "PT"...)
			r = strconv.AppendInt(r, int64(partner), 10)
		}
		r = append(r, '\n')
		b.buf[fOpportunities] = r
		b.rows[fOpportunities]++
	}
	for k := 0; k <= last && times[k] <= g.asOf; k++ {
		row(k, times[k], false)
	}
	if closed {
		row(4, t, true)
	}
}
