package gen

import (
	"cmp"
	"math"
	"slices"
)

// event is one interaction before it is written.
type event struct {
	ts    int64
	typ   int8
	ch    int8
	value int8 // NPS score, -1 for none
	cost  int64
}

// interactions writes the customer's interactions on [signup, end) and
// returns how many clean rows it wrote. Each type is a Poisson process at
// its group's yearly rate (email opens and clicks only with email opt-in).
// For a customer who dropped out at end (the last purchase), support
// tickets and complaints arrive escalationMult times faster in the
// escalationWeeks before end, and the NPS success probability there is
// lowered by npsLapseShift. Nothing follows a dropout.
func (w *worker) interactions(b *block, st *custState, signup, end int64, dead, emailOpt bool) int64 {
	s := w.s
	w.events = w.events[:0]
	w.npsQ = st.gr.NPSQ
	esc := end
	if dead {
		esc = max(signup, end-int64(escalationWeeks*7*secPerDay))
	}
	r := &st.gr.Rates
	rates := [numInteractionTypes]float64{r.WebVisit, r.EmailOpen, r.EmailClick, r.SupportTicket, r.Complaint, r.SocialMention, r.NPS}
	for typ, rate := range rates {
		if (typ == itEmailOpen || typ == itEmailClick) && !emailOpt {
			continue
		}
		perDay := rate / daysYear
		w.arrivals(typ, signup, esc, perDay, false)
		if esc < end {
			if typ == itSupportTicket || typ == itComplaint {
				perDay *= escalationMult
			}
			w.arrivals(typ, esc, end, perDay, true)
		}
	}
	slices.SortStableFunc(w.events, func(a, b event) int { return cmp.Compare(a.ts, b.ts) })
	for k, e := range w.events {
		w.interactionRow(b, st, k+1, e, -1)
		b.itCount[e.typ]++
		if s.bernoulli(w.g.o.DirtyShare) {
			w.interactionRow(b, st, k+1, e, interactionDirty[s.intn(len(interactionDirty))])
		}
	}
	return int64(len(w.events))
}

// arrivals appends the events of a Poisson process of type typ with rate
// perDay on [from, to).
func (w *worker) arrivals(typ int, from, to int64, perDay float64, lapse bool) {
	if perDay <= 0 || from >= to {
		return
	}
	s := w.s
	t := float64(from)
	for {
		t += s.exp(perDay) * secPerDay
		if t >= float64(to) {
			return
		}
		e := event{ts: int64(t), typ: int8(typ), value: -1}
		switch typ {
		case itWebVisit:
			e.ch = chWeb
		case itEmailOpen, itEmailClick:
			e.ch = chEmail
			e.cost = 1
		case itSupportTicket:
			e.ch = [3]int8{chPhone, chChat, chEmail}[s.pick(ticketChannels[:])]
			e.cost = int64(math.Round(s.gamma(2, 2/interactionMeanCost[typ]) * 100))
		case itComplaint:
			e.ch = [3]int8{chPhone, chStore, chSocial}[s.pick(complaintChannels[:])]
			e.cost = int64(math.Round(s.gamma(2, 2/interactionMeanCost[typ]) * 100))
		case itSocialMention:
			e.ch = chSocial
		case itNPS:
			e.ch = chEmail
			if s.bernoulli(0.3) {
				e.ch = chWeb
			}
			q := w.npsQ
			if lapse {
				q = max(0, q-npsLapseShift)
			}
			e.value = int8(s.binomial10(q))
			e.cost = 50
		}
		w.events = append(w.events, e)
	}
}

// Cumulative channel weights of support tickets (phone, chat, email) and
// complaints (phone, store, social).
var (
	ticketChannels    = [3]float64{0.4, 0.75, 1}
	complaintChannels = [3]float64{0.5, 0.7, 1}
)

// interactionRow writes interaction k of the customer; dirty as in
// orderRow, with interaction id XI<customer>-<k>.
func (w *worker) interactionRow(b *block, st *custState, k int, e event, dirty int) {
	s := w.s
	r := b.buf[fInteractions]
	if dirty < 0 {
		r = appendID(r, "I", int64(st.i+1))
	} else {
		r = appendID(r, "XI", int64(st.i+1))
		b.dirty[fInteractions][dirty]++
	}
	r = append(r, '-')
	r = appendInt(r, int64(k))
	r = append(r, ',')
	switch dirty {
	case dkEmptyCustomerID:
	case dkUnknownCustomer:
		r = appendID(r, "CU", int64(st.i+1))
	default:
		r = append(r, st.cid...)
	}
	r = append(r, ',')
	if dirty == dkBadDate {
		r = appendField(r, badTimestamps[s.intn(len(badTimestamps))])
	} else {
		r = appendTS(r, e.ts)
	}
	r = append(r, ',')
	r = append(r, interactionChannels[e.ch]...)
	r = append(r, ',')
	r = append(r, interactionTypes[e.typ]...)
	r = append(r, ',')
	if e.value >= 0 {
		r = appendInt(r, int64(e.value))
	}
	r = append(r, ',')
	r = appendCents(r, e.cost)
	r = append(r, '\n')
	b.buf[fInteractions] = r
	b.rows[fInteractions]++
}
