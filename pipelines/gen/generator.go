package gen

import (
	"math"
	"time"
)

// generator holds what every worker shares; it is immutable once built.
type generator struct {
	o         Options
	cat       *catalog
	start     int64 // unix seconds
	asOf      int64
	window    float64 // seconds
	groupCum  []float64
	chanCum   [][]float64 // per group
	catCum    [][]float64 // per group
	acqCum    [][]float64 // per group
	acqMult   [6]float64  // exp(channel effect) on lambda, by acquisition channel
	planCum   []float64
	srcCum    []float64
	sizeCum   []float64
	nLeads    int
	custBlock int
	leadBlock int
}

const (
	secPerDay = 86400.0
	daysYear  = 365.25
)

func newGenerator(o Options) *generator {
	g := &generator{o: o, cat: newCatalog(o.Seed), custBlock: 2000, leadBlock: 5000}
	g.asOf = o.AsOf.Unix()
	g.window = math.Round(o.Years * daysYear * secPerDay)
	g.start = g.asOf - int64(g.window)
	w := make([]float64, len(o.Groups))
	for i, gr := range o.Groups {
		w[i] = gr.Share
		g.chanCum = append(g.chanCum, cumulative(gr.OrderChannels[:]))
		g.catCum = append(g.catCum, cumulative(gr.Categories[:]))
		g.acqCum = append(g.acqCum, cumulative(gr.Acquisition[:]))
	}
	g.groupCum = cumulative(w)
	for k, name := range acqChannels {
		g.acqMult[k] = math.Exp(o.ChannelEffects[name])
	}
	pw := make([]float64, len(plans))
	for i, p := range plans {
		pw[i] = p.Weight
	}
	g.planCum = cumulative(pw)
	g.srcCum = cumulative(leadSourceW)
	g.sizeCum = cumulative(companySizeW)
	g.nLeads = int(math.Round(o.LeadsPerCustomer * float64(o.Customers)))
	return g
}

// block is the output of one job: the bytes of every file for a range of
// customers or leads, with their counts.
type block struct {
	buf     [numFiles][]byte
	rows    [numFiles]int64
	dirty   [numFiles][numDirtyKinds]int64
	pairs   pairCounts
	groups  []int64
	scripts [4]int64
	p       PurchaseTruth
	itCount [numInteractionTypes]int64
	leads   LeadTruth
	opps    OpportunityTruth
	subs    SubscriptionTruth
	subPlan [3]int64
}

func (b *block) reset(nGroups int) {
	bufs := b.buf
	groups := b.groups
	*b = block{}
	for i := range bufs {
		b.buf[i] = bufs[i][:0]
	}
	if cap(groups) < nGroups {
		groups = make([]int64, nGroups)
	}
	b.groups = groups[:nGroups]
	clear(b.groups)
}

// worker is the per-goroutine scratch state.
type worker struct {
	g       *generator
	s       *stream
	lines   []line // lines of the current order
	weights []float64
	prev    []line  // regular lines of the previous order
	events  []event // interactions of the current customer
	npsQ    float64
	// custStream recomputes customers' sign-up instants for leads.
	custStream *stream
}

func (g *generator) newWorker() *worker {
	return &worker{g: g, s: newStream(), custStream: newStream()}
}

// signup returns the sign-up instant of customer i (unix seconds): the
// first draw of the customer's stream, uniform over the window. Leads use
// it to date the conversion of the lead linked to customer i.
func (g *generator) signup(s *stream, i int) int64 {
	s.reset(g.o.Seed, domainCustomer, uint64(i))
	return g.start + int64(s.uniform()*g.window)
}

// jobs returns the number of customer jobs and lead jobs.
func (g *generator) jobs() (cust, leads int) {
	return (g.o.Customers + g.custBlock - 1) / g.custBlock, (g.nLeads + g.leadBlock - 1) / g.leadBlock
}

// run fills b with job j.
func (w *worker) run(j int, b *block) {
	g := w.g
	b.reset(len(g.o.Groups))
	nc, _ := g.jobs()
	if j < nc {
		lo := j * g.custBlock
		hi := min(lo+g.custBlock, g.o.Customers)
		for i := lo; i < hi; i++ {
			w.customer(i, b)
		}
		return
	}
	lo := (j - nc) * g.leadBlock
	hi := min(lo+g.leadBlock, g.nLeads)
	for i := lo; i < hi; i++ {
		w.lead(i, b)
	}
}

func formatTS(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.DateTime) }
