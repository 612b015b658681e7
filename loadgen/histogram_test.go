package loadgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestQuantilesWithinPrecision compares the histogram's quantiles with the
// exact ones of the same samples, spread over six orders of magnitude.
func TestQuantilesWithinPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	samples := make([]time.Duration, 100_000)
	for i := range samples {
		// Log-uniform between 1µs and 1s, the span of real latencies.
		d := time.Duration(float64(time.Microsecond) * math.Pow(10, rng.Float64()*6))
		samples[i] = d
		h.Record(d)
	}
	slices.Sort(samples)
	if h.Count() != uint64(len(samples)) {
		t.Fatalf("Count %d, want %d", h.Count(), len(samples))
	}
	if h.Min() != samples[0] || h.Max() != samples[len(samples)-1] {
		t.Errorf("Min %v Max %v, want %v and %v", h.Min(), h.Max(), samples[0], samples[len(samples)-1])
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := samples[int(q*float64(len(samples)))-1]
		got := h.Quantile(q)
		if rel := float64(got-exact) / float64(exact); rel < -1.0/subBuckets || rel > 2.0/subBuckets {
			t.Errorf("Quantile(%v) = %v, exact %v: off by %.4f%%", q, got, exact, rel*100)
		}
	}
	if h.Quantile(0) != h.Min() || h.Quantile(1) != h.Max() {
		t.Errorf("Quantile(0) %v, Quantile(1) %v: want Min and Max", h.Quantile(0), h.Quantile(1))
	}
}

// TestSizeDoesNotGrowWithCount checks the structure is a histogram, not a
// list of samples: ten million values of one magnitude take one row.
func TestSizeDoesNotGrowWithCount(t *testing.T) {
	var h Histogram
	for i := range 10_000_000 {
		h.Record(50*time.Microsecond + time.Duration(i%1000)*time.Nanosecond)
	}
	rows := 0
	for _, r := range h.rows {
		if r != nil {
			rows++
		}
	}
	if rows != 1 {
		t.Errorf("%d rows allocated for values within one power of two, want 1", rows)
	}
}

func TestSmallValuesExactAndNegativeIsZero(t *testing.T) {
	var h Histogram
	for _, d := range []time.Duration{-5, 0, 1, 2, 1500, 2047} {
		h.Record(d)
	}
	if h.Min() != 0 || h.Max() != 2047 {
		t.Errorf("Min %v Max %v, want 0 and 2047ns", h.Min(), h.Max())
	}
	if got := h.Quantile(0.5); got != 1 {
		t.Errorf("median %v, want 1ns (values below 2048ns are counted exactly)", got)
	}
}

func TestMergeAndBins(t *testing.T) {
	var a, b, all Histogram
	for i := 1; i <= 1000; i++ {
		d := time.Duration(i) * time.Microsecond
		all.Record(d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var merged Histogram
	merged.Merge(&a)
	merged.Merge(&b)
	merged.Merge(&Histogram{})
	for _, q := range []float64{0, 0.5, 0.99, 1} {
		if merged.Quantile(q) != all.Quantile(q) {
			t.Errorf("merged Quantile(%v) = %v, want %v", q, merged.Quantile(q), all.Quantile(q))
		}
	}
	if merged.Mean() != all.Mean() || merged.Count() != all.Count() {
		t.Errorf("merged mean %v count %d, want %v and %d", merged.Mean(), merged.Count(), all.Mean(), all.Count())
	}

	bins := merged.Bins(10)
	if len(bins) != 10 {
		t.Fatalf("%d bins, want 10", len(bins))
	}
	var total uint64
	for i, bin := range bins {
		total += bin.Count
		if i > 0 && bin.Upper <= bins[i-1].Upper {
			t.Errorf("bin %d bound %v not above %v", i, bin.Upper, bins[i-1].Upper)
		}
	}
	if total != merged.Count() || bins[9].Upper != merged.Max() {
		t.Errorf("bins hold %d values up to %v, want %d up to %v", total, bins[9].Upper, merged.Count(), merged.Max())
	}
	// Values spread evenly from 1µs to 1ms: the geometric bins hold more
	// the higher they reach.
	if bins[9].Count <= bins[0].Count {
		t.Errorf("top bin %d, bottom %d: want the top one fuller", bins[9].Count, bins[0].Count)
	}
	if (&Histogram{}).Bins(10) != nil {
		t.Error("an empty histogram has bins")
	}
}

func BenchmarkRecord(b *testing.B) {
	var h Histogram
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(40_000 + i%20_000))
	}
}
