package gen

import "slices"

// truth assembles the Truth from the options, the fixed parameters and
// the accumulated counts.
func (g *generator) truth(b *block) *Truth {
	o := g.o
	t := &Truth{
		Seed: o.Seed, Customers: o.Customers,
		Start: formatTS(g.start), AsOf: formatTS(g.asOf), Years: o.Years,
		DirtyShare: o.DirtyShare, NonLatinShare: o.NonLatinShare, LeadsPerCustomer: o.LeadsPerCustomer,
		Groups: o.Groups, GroupCounts: slices.Clone(b.groups),
		Scripts: map[string]int64{
			ScriptLatin: b.scripts[0], ScriptBengali: b.scripts[1],
			ScriptUrdu: b.scripts[2], ScriptLithuanian: b.scripts[3],
		},
		Categories: Categories[:],
		Products:   g.cat.products,
		Pairs:      g.cat.truthPairs(&b.pairs),
		Rows:       map[string]int64{},
		Dirty:      map[string]map[string]int64{},
		Rejects:    map[string]int64{},
	}
	t.Purchases = b.p
	t.Purchases.TimeUnit = "days"
	t.Purchases.MaxLines = MaxLines
	t.Purchases.ReturnShare = returnShare
	t.Purchases.ZeroLineShare = zeroLineShare
	t.Purchases.PairProb = PairProb
	t.Covariates.PurchaseRate = map[string]float64{}
	for _, name := range acqChannels {
		t.Covariates.PurchaseRate[name] = o.ChannelEffects[name]
	}

	it := InteractionTruth{
		EscalationWeeks: escalationWeeks, EscalationMultiplier: escalationMult, NPSLapseShift: npsLapseShift,
		MeanCost: map[string]float64{}, Count: map[string]int64{},
	}
	for k, name := range interactionTypes {
		it.MeanCost[name] = interactionMeanCost[k]
		it.Count[name] = b.itCount[k]
	}
	t.Interactions = it

	l := b.leads
	l.LinkShare = leadLinkShare
	l.Intercept, l.PagesViewed, l.Visits, l.LogTimeOnSite, l.FreeEmail = leadIntercept, leadPages, leadVisits, leadLogTime, leadFree
	l.Source = dummies(leadSources, leadSourceCoef)
	l.CompanySize = dummies(companySizes, companySizeCoef)
	l.Features = map[string]string{
		"source":       "categorical: organic 0.30, paid_search 0.25, social 0.15, referral 0.10, event 0.10, partner 0.10",
		"company_size": "categorical: 1-10 0.35, 11-50 0.30, 51-200 0.18, 201-1000 0.12, 1000+ 0.05",
		"country":      "uniform over US GB DE FR NL ES IE LT BD PK",
		"industry":     "uniform over 8 industries",
		"pages_viewed": "1 + Poisson(4)",
		"visits":       "1 + Poisson(1.2)",
		"time_on_site": "ceil(LogNormal(mu 5, sigma 1)) seconds",
		"free_email":   "Bernoulli(0.35)",
		"delay_days":   "min(Gamma(shape 2, mean 14), 89) from created_ts to converted_ts",
	}
	t.Leads = l

	op := b.opps
	op.LeadShare, op.CustomerShare = oppLeadShare, oppCustShare
	op.WinIntercept = winIntercept
	op.WinSource = dummies(oppSources, oppSourceCoef)
	op.WinOwner = dummies(owners, ownerCoef)
	op.StageMeanDays = dummies(stages[:4], stageMeanDays[:])
	op.AmountLogMean = map[string]float64{"lead": amountLogLead, "upsell": amountLogUpsell}
	op.AmountLogSD = amountLogSD
	t.Opportunities = op

	s := b.subs
	s.Plans = plans
	s.ByPlan = map[string]int64{}
	for i, p := range plans {
		s.ByPlan[p.Name] = b.subPlan[i]
	}
	t.Subscriptions = s

	for k, name := range fileNames {
		t.Rows[name] = b.rows[k]
		planted := map[int][]int{fCustomers: customerDirty, fOrders: orderDirty, fInteractions: interactionDirty}[k]
		if planted == nil {
			continue
		}
		d := map[string]int64{}
		for _, kind := range planted {
			n := b.dirty[k][kind]
			d[dirtyKinds[kind]] = n
			if kind != dkMalformedEmail {
				t.Rejects[name] += n
			}
		}
		t.Dirty[name] = d
	}
	return t
}

func dummies(names []string, coef []float64) map[string]float64 {
	m := make(map[string]float64, len(names))
	for i, n := range names {
		m[n] = coef[i]
	}
	return m
}
