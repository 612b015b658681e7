package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// subBucketBits sets the histogram's precision: each power-of-two range of
// values is cut into 2^subBucketBits equal buckets, so a recorded value is
// known to within one part in 1024 of itself, about three significant
// digits, whatever its magnitude.
const subBucketBits = 10

const subBuckets = 1 << subBucketBits

// Histogram counts durations in log-linear buckets, as HdrHistogram does:
// its size depends on the range of the values recorded (8 KiB for each
// power of two they span), not on how many there are, so a run of
// millions of calls costs what a run of a thousand does. Quantiles are exact to the bucket width (see subBucketBits);
// the minimum, maximum and mean are exact. The zero value is empty and
// ready to use. A Histogram is not safe for concurrent use: each worker
// records into its own and the results are merged.
type Histogram struct {
	// rows[0] counts the values below 2*subBuckets one by one; rows[r] for
	// r ≥ 1 counts [2^(r+subBucketBits), 2^(r+subBucketBits+1)) in buckets
	// 2^r wide. A row is allocated when a value first falls in it.
	rows     [][]uint64
	count    uint64
	min, max uint64
	sum      float64
}

// locate is the row and bucket of v.
func locate(v uint64) (row, bucket int) {
	n := bits.Len64(v)
	if n <= subBucketBits+1 {
		return 0, int(v)
	}
	row = n - subBucketBits - 1
	return row, int(v>>uint(row)) - subBuckets
}

// bucketRange is the smallest and largest value bucket b of row holds.
func bucketRange(row, b int) (lo, hi uint64) {
	if row == 0 {
		return uint64(b), uint64(b)
	}
	lo = uint64(b+subBuckets) << uint(row)
	return lo, lo + 1<<uint(row) - 1
}

// Record counts one duration; a negative one counts as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	row, b := locate(v)
	if row >= len(h.rows) {
		h.rows = append(h.rows, make([][]uint64, row+1-len(h.rows))...)
	}
	if h.rows[row] == nil {
		size := subBuckets
		if row == 0 {
			size = 2 * subBuckets
		}
		h.rows[row] = make([]uint64, size)
	}
	h.rows[row][b]++
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.count++
	h.sum += float64(v)
}

// Merge adds every value counted in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	if len(o.rows) > len(h.rows) {
		h.rows = append(h.rows, make([][]uint64, len(o.rows)-len(h.rows))...)
	}
	for r, row := range o.rows {
		if row == nil {
			continue
		}
		if h.rows[r] == nil {
			h.rows[r] = make([]uint64, len(row))
		}
		for b, c := range row {
			h.rows[r][b] += c
		}
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.count += o.count
	h.sum += o.sum
}

// Count is how many values were recorded.
func (h *Histogram) Count() uint64 { return h.count }

// Min is the smallest value recorded; zero when none was.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max is the largest value recorded; zero when none was.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean is the average of the values recorded; zero when none was.
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.count))
}

// Quantile is the value below or at which the fraction q (0 to 1) of the
// recorded values lie, given as the largest value of its bucket (never
// beyond Max), as HdrHistogram reports it; zero when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	if q <= 0 {
		return h.Min()
	}
	rank := uint64(math.Ceil(q * float64(h.count)))
	rank = min(max(rank, 1), h.count)
	var seen uint64
	for r, row := range h.rows {
		for b, c := range row {
			if c == 0 {
				continue
			}
			if seen += c; seen >= rank {
				_, hi := bucketRange(r, b)
				return time.Duration(min(max(hi, h.min), h.max))
			}
		}
	}
	return h.Max()
}

// Bin is one bar of a histogram's summary: how many values lie above the
// previous bin's Upper and at most at this one's.
type Bin struct {
	Upper time.Duration
	Count uint64
}

// Bins summarises the values in at most n bins whose bounds grow
// geometrically from Min to Max, so that both the bulk of fast calls and a
// tail of slow ones get bars of their own. Each bucket counts in the bin
// of its midpoint.
func (h *Histogram) Bins(n int) []Bin {
	if h.count == 0 || n <= 0 {
		return nil
	}
	if h.min == h.max || n == 1 {
		return []Bin{{Upper: h.Max(), Count: h.count}}
	}
	low := math.Max(float64(h.min), 1)
	ratio := math.Log(float64(h.max) / low)
	bins := make([]Bin, n)
	for i := range bins {
		bins[i].Upper = time.Duration(low * math.Exp(ratio*float64(i+1)/float64(n)))
	}
	bins[n-1].Upper = h.Max()
	for r, row := range h.rows {
		for b, c := range row {
			if c == 0 {
				continue
			}
			lo, hi := bucketRange(r, b)
			mid := min(max(float64(lo+hi)/2, low), float64(h.max))
			i := int(float64(n) * math.Log(mid/low) / ratio)
			bins[min(max(i, 0), n-1)].Count += c
		}
	}
	return bins
}
