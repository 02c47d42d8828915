package rfm_test

import (
	"fmt"

	"github.com/crmbatch/crmbatch/models/rfm"
)

func ExampleScores() {
	recency := []float64{3, 40, 200, 10, 90}    // days since last purchase
	frequency := []float64{12, 2, 1, 6, 4}      // purchases
	monetary := []float64{900, 80, 20, 300, 60} // spend
	scores, err := rfm.Scores(recency, frequency, monetary)
	if err != nil {
		fmt.Println(err)
		return
	}
	names, err := rfm.Segments(scores, rfm.DefaultSegments())
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, s := range scores {
		fmt.Println(s, names[i])
	}
	// Output:
	// 555 Champions
	// 323 Needs Attention
	// 111 Lost
	// 444 Loyal
	// 232 At Risk
}
