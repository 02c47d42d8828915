package gen

import (
	"math"
	"strconv"
)

const (
	numCategories       = 10
	productsPerCategory = 30
	numPairs            = 10
	// PairProb is the probability that an order holding the first product
	// of a planted pair also gets the second one as an extra line.
	PairProb = 0.35
)

// Categories are the product categories, in the order of Group.Categories.
var Categories = [numCategories]string{
	"electronics", "home", "fashion", "beauty", "sports",
	"books", "toys", "grocery", "garden", "jewelry",
}

// categoryPrice is the median unit price of each category.
var categoryPrice = [numCategories]float64{120, 45, 35, 18, 40, 15, 25, 6, 30, 150}

// Product is one catalogue entry. Unit prices are LogNormal around the
// category median (sigma 0.5); CostRatio ~ Uniform(0.35, 0.8) is cost of
// goods over revenue; Popularity is the Zipf weight 1/(rank+1)^0.8 of the
// product inside its category.
type Product struct {
	ID         string  `json:"id"`
	Category   string  `json:"category"`
	UnitPrice  float64 `json:"unit_price"`
	CostRatio  float64 `json:"cost_ratio"`
	Popularity float64 `json:"popularity"`
}

// Pair is a planted product affinity: when an order holds A, B is added
// with probability PairProb unless it is already there. The order counts
// and lift are measured on the clean orders written (regular lines only,
// zero-value and return lines excluded); lift = Both*Orders/(WithA*WithB).
type Pair struct {
	A        string  `json:"a"`
	B        string  `json:"b"`
	PairProb float64 `json:"pair_prob"`
	WithA    int64   `json:"orders_with_a"`
	WithB    int64   `json:"orders_with_b"`
	Both     int64   `json:"orders_with_both"`
	Orders   int64   `json:"orders"`
	Lift     float64 `json:"lift"`
}

type catalog struct {
	products []Product
	cents    []int64 // unit price in cents
	byCat    [numCategories][]int
	cum      [numCategories][]float64
	partner  []int // partner[i] is the B of the pair whose A is i, or -1
	pairA    []int // pair index whose A is product i, or -1
	pairB    []int // pair index whose B is product i, or -1
	pairs    [numPairs][2]int
}

// newCatalog builds the product catalogue from the catalog stream of seed.
// Pair k joins the product of rank k%2 in category k with the product of
// rank 2+k%3 in category (k+3)%10.
func newCatalog(seed uint64) *catalog {
	s := newStream()
	s.reset(seed, domainCatalog, 0)
	n := numCategories * productsPerCategory
	c := &catalog{
		products: make([]Product, n), cents: make([]int64, n),
		partner: make([]int, n), pairA: make([]int, n), pairB: make([]int, n),
	}
	for i := range n {
		cat, rank := i/productsPerCategory, i%productsPerCategory
		price := math.Max(0.5, round2(categoryPrice[cat]*s.lognormal(0, 0.5)))
		c.products[i] = Product{
			ID:         "P" + strconv.Itoa(i+1),
			Category:   Categories[cat],
			UnitPrice:  price,
			CostRatio:  math.Round((0.35+0.45*s.uniform())*1000) / 1000,
			Popularity: math.Pow(float64(rank+1), -0.8),
		}
		c.cents[i] = int64(math.Round(price * 100))
		c.byCat[cat] = append(c.byCat[cat], i)
		c.partner[i], c.pairA[i], c.pairB[i] = -1, -1, -1
	}
	for cat := range numCategories {
		w := make([]float64, productsPerCategory)
		for j, p := range c.byCat[cat] {
			w[j] = c.products[p].Popularity
		}
		c.cum[cat] = cumulative(w)
	}
	for k := range numPairs {
		a := k*productsPerCategory + k%2
		b := ((k+3)%numCategories)*productsPerCategory + 2 + k%3
		c.pairs[k] = [2]int{a, b}
		c.partner[a] = b
		c.pairA[a] = k
		c.pairB[b] = k
	}
	return c
}

// pairCounts accumulates the order-level co-occurrence of planted pairs.
type pairCounts struct {
	withA, withB, both [numPairs]int64
	orders             int64
}

func (p *pairCounts) add(q *pairCounts) {
	for k := range numPairs {
		p.withA[k] += q.withA[k]
		p.withB[k] += q.withB[k]
		p.both[k] += q.both[k]
	}
	p.orders += q.orders
}

// truthPairs reports the planted pairs with their measured lift.
func (c *catalog) truthPairs(pc *pairCounts) []Pair {
	out := make([]Pair, numPairs)
	for k, ab := range c.pairs {
		p := Pair{
			A: c.products[ab[0]].ID, B: c.products[ab[1]].ID, PairProb: PairProb,
			WithA: pc.withA[k], WithB: pc.withB[k], Both: pc.both[k], Orders: pc.orders,
		}
		if p.WithA > 0 && p.WithB > 0 {
			p.Lift = float64(p.Both) * float64(p.Orders) / (float64(p.WithA) * float64(p.WithB))
		}
		out[k] = p
	}
	return out
}
