package cluster

import (
	"math/rand/v2"
	"testing"
)

// benchKMeans clusters n rows of 8 features from 5 planted blobs into 5
// clusters with default settings.
func benchKMeans(b *testing.B, n int) {
	x, _ := blobs(n, 8, 5, 3, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := KMeans(x, 8, 5, &Settings{Src: rand.NewPCG(1, 1)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKMeans1e4(b *testing.B) { benchKMeans(b, 1e4) }
func BenchmarkKMeans1e5(b *testing.B) { benchKMeans(b, 1e5) }
func BenchmarkKMeans1e6(b *testing.B) { benchKMeans(b, 1e6) }

func BenchmarkChooseK1e6(b *testing.B) {
	x, _ := blobs(1e6, 8, 5, 3, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := ChooseK(x, 8, 2, 8, &Settings{Src: rand.NewPCG(1, 1)}); err != nil {
			b.Fatal(err)
		}
	}
}
