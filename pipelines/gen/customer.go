package gen

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// customer generates everything that belongs to customer i: its row in
// customers.csv, its orders, interactions, subscription, upsell
// opportunity and truth row. All draws come from the customer's own
// stream in a fixed order.
func (w *worker) customer(i int, b *block) {
	g, s := w.g, w.s
	signup := g.signup(s, i) // first draw of the stream
	gi := s.pick(g.groupCum)
	gr := &g.o.Groups[gi]
	b.groups[gi]++
	cid := appendID(make([]byte, 0, 16), "C", int64(i+1))

	// Identity.
	script := ScriptLatin
	si := 0
	if u := s.uniform(); u < g.o.NonLatinShare {
		si = 1 + min(int(3*u/g.o.NonLatinShare), 2)
		script = [4]string{ScriptLatin, ScriptBengali, ScriptUrdu, ScriptLithuanian}[si]
	}
	b.scripts[si]++
	set := nameSets[script]
	sex := s.intn(2)
	first := set.first[sex][s.intn(len(set.first[sex]))]
	last := set.last[sex][s.intn(len(set.last[sex]))]
	pl := scriptPlace(s, script)
	city := pl.cities[s.intn(len(pl.cities))]
	address := pl.street(1+s.intn(200), s.intn(20))
	email := first.rom + "." + last.rom
	if s.bernoulli(0.5) {
		email += strconv.Itoa(s.intn(100))
	}
	email += "@" + emailDomains[s.intn(len(emailDomains))]
	phone := make([]byte, 0, 16)
	phone = append(phone, pl.phone...)
	for range pl.digits {
		phone = append(phone, byte('0'+s.intn(10)))
	}
	acq := s.pick(g.acqCum[gi])
	acqCost := round2(s.gamma(2, 2/acqCostMean[acq]))
	partner := 0
	if acq == 4 {
		partner = 1 + s.intn(numPartners)
	}
	age := math.Min(95, 18+s.gamma(3, 3/22.0))
	birth := signup - int64(age*daysYear*secPerDay)
	emailOpt := s.bernoulli(gr.EmailOptIn)
	smsOpt := s.bernoulli(gr.SMSOptIn)
	handle := ""
	if s.bernoulli(0.35) {
		handle = "@" + first.rom + "_" + strconv.Itoa(s.intn(1000))
	}

	// Dirty customer rows.
	dirty := -1
	if s.bernoulli(g.o.DirtyShare) {
		dirty = customerDirty[s.intn(len(customerDirty))]
	}
	if dirty == dkMalformedEmail {
		at := strings.IndexByte(email, '@')
		switch s.intn(3) {
		case 0:
			email = email[:at] + "@" + email[at:] // local@@domain
		case 1:
			email = first.rom + " " + last.rom + email[at:] // a space in the local part
		default:
			email = email[:at] + ".at." + email[at+1:] // no @
		}
		b.dirty[fCustomers][dkMalformedEmail]++
	}
	row := func(id []byte, phone []byte, signupDate []byte) {
		r := b.buf[fCustomers]
		r = append(r, id...)
		r = append(r, ',')
		r = appendField(r, first.text+" "+last.text)
		r = append(r, ',')
		r = appendField(r, email)
		r = append(r, ',')
		r = append(r, phone...)
		r = append(r, ',')
		r = appendField(r, address)
		r = append(r, ',')
		r = appendField(r, city)
		r = append(r, ',')
		r = append(r, pl.code...)
		r = append(r, ',')
		r = append(r, signupDate...)
		r = append(r, ',')
		r = append(r, acqChannels[acq]...)
		r = append(r, ',')
		r = appendMoney(r, acqCost)
		r = append(r, ',')
		r = appendDate(r, birth)
		r = append(r, ',')
		if partner > 0 {
			r = appendID(r, "PT", int64(partner))
		}
		r = append(r, ',')
		r = appendBool(r, emailOpt)
		r = append(r, ',')
		r = appendBool(r, smsOpt)
		r = append(r, ',')
		r = appendField(r, handle)
		r = append(r, '\n')
		b.buf[fCustomers] = r
		b.rows[fCustomers]++
	}
	date := appendDate(nil, signup)
	row(cid, phone, date)
	switch dirty {
	case dkDuplicateID:
		alt := append([]byte(nil), phone...)
		alt[len(alt)-1] = '0' + (alt[len(alt)-1]-'0'+1)%10
		row(cid, alt, date)
		b.dirty[fCustomers][dkDuplicateID]++
	case dkBadDate:
		row(appendID(nil, "CD", int64(i+1)), phone, []byte(badDates[s.intn(len(badDates))]))
		b.dirty[fCustomers][dkBadDate]++
	}

	// Purchases: BG/NBD in days from the first purchase at sign-up, the
	// rate scaled by the acquisition channel's planted effect.
	lambda := s.gamma(gr.BGNBD.R, gr.BGNBD.Alpha) * g.acqMult[acq]
	p := s.beta(gr.BGNBD.A, gr.BGNBD.B)
	nu := s.gamma(gr.GammaGamma.Q, gr.GammaGamma.Gamma)
	T := float64(g.asOf-signup) / secPerDay
	st := custState{i: i, gi: gi, gr: gr, cid: cid, nu: nu, partner: partner}
	w.prev = w.prev[:0]
	w.order(b, &st, 0, signup)
	t, x, tx, repeatCents, dead := 0.0, 0, 0.0, int64(0), false
	for {
		t += s.exp(lambda)
		if t > T {
			break
		}
		repeatCents += w.order(b, &st, x+1, signup+int64(t*secPerDay))
		x++
		tx = t
		if s.bernoulli(p) {
			dead = true
			break
		}
	}
	end := g.asOf
	if dead {
		end = signup + int64(tx*secPerDay)
	}

	nInter := w.interactions(b, &st, signup, end, dead, emailOpt)
	plan, theta := w.subscription(b, &st, signup)
	if s.bernoulli(oppCustShare) {
		created := signup + int64(s.uniform()*float64(g.asOf-signup))
		w.opportunity(b, cid, nil, sourceUpsell, partner, created, amountLogUpsell)
	}

	// Truth row.
	r := b.buf[fTruthCustomers]
	r = append(r, cid...)
	r = append(r, ',')
	r = appendInt(r, int64(gi))
	r = append(r, ',')
	r = append(r, script...)
	r = append(r, ',')
	r = strconv.AppendFloat(r, lambda, 'g', 8, 64)
	r = append(r, ',')
	r = strconv.AppendFloat(r, p, 'g', 8, 64)
	r = append(r, ',')
	r = strconv.AppendFloat(r, nu, 'g', 8, 64)
	r = append(r, ',')
	r = strconv.AppendFloat(r, gr.GammaGamma.P/nu, 'f', 4, 64)
	r = append(r, ',')
	r = appendTS(r, signup)
	r = append(r, ',')
	r = strconv.AppendFloat(r, T, 'f', 6, 64)
	r = append(r, ',')
	r = appendInt(r, int64(x))
	r = append(r, ',')
	r = strconv.AppendFloat(r, tx, 'f', 6, 64)
	r = append(r, ',')
	if x > 0 {
		r = strconv.AppendFloat(r, float64(repeatCents)/100/float64(x), 'f', 4, 64)
	} else {
		r = append(r, '0')
	}
	r = append(r, ',')
	r = appendBool(r, !dead)
	r = append(r, ',')
	if dead {
		r = appendTS(r, end)
	}
	r = append(r, ',')
	r = appendInt(r, int64(x+1))
	r = append(r, ',')
	r = appendInt(r, st.lines)
	r = append(r, ',')
	r = appendInt(r, nInter)
	r = append(r, ',')
	r = append(r, plan...)
	r = append(r, ',')
	if plan != "" {
		r = strconv.AppendFloat(r, theta, 'g', 8, 64)
	}
	r = append(r, '\n')
	b.buf[fTruthCustomers] = r
	b.rows[fTruthCustomers]++
}

// custState carries a customer's fixed attributes into the order and
// interaction generators.
type custState struct {
	i       int
	gi      int
	gr      *Group
	cid     []byte
	nu      float64
	partner int
	lines   int64 // clean order lines written
}

// subscription draws the customer's subscription, if any: with
// probability SubscribeShare a plan, theta ~ Beta(alpha, beta) of the plan
// and a start Uniform(0, 30) days after sign-up; the subscription then
// survives each month with probability 1-theta (sBG). It returns the plan
// name ("" for none) and theta.
func (w *worker) subscription(b *block, st *custState, signup int64) (string, float64) {
	g, s := w.g, w.s
	if !s.bernoulli(st.gr.SubscribeShare) {
		return "", 0
	}
	pi := s.pick(g.planCum)
	pl := plans[pi]
	theta := s.beta(pl.Alpha, pl.Beta)
	startSec := signup + int64(s.uniform()*subStartDays*secPerDay)
	start := time.Unix(startSec-startSec%86400, 0).UTC()
	asOf := g.o.AsOf
	// A start dated on the AsOf day itself would lie after the last
	// complete day of history (AsOf is the midnight that ends it).
	if !start.Before(asOf) {
		return "", 0
	}
	months, active := 1, false
	for !s.bernoulli(theta) {
		months++
		if start.AddDate(0, months, 0).After(asOf) {
			active = true
			break
		}
	}
	end := start.AddDate(0, months, 0)
	if end.After(asOf) {
		active = true
	}
	r := b.buf[fSubscriptions]
	r = appendID(r, "S", int64(st.i+1))
	r = append(r, ',')
	r = append(r, st.cid...)
	r = append(r, ',')
	r = append(r, pl.Name...)
	r = append(r, ',')
	r = appendDate(r, start.Unix())
	r = append(r, ',')
	if !active {
		r = appendDate(r, end.Unix())
	}
	r = append(r, ',')
	r = appendMoney(r, pl.Price)
	r = append(r, '\n')
	b.buf[fSubscriptions] = r
	b.rows[fSubscriptions]++
	b.subs.Count++
	b.subPlan[pi]++
	if active {
		b.subs.Active++
	}
	return pl.Name, theta
}
