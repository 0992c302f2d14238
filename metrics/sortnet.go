package metrics

// sortingNetwork returns the comparators of Batcher's odd-even merge sort for m inputs: applying
// "compare-exchange(a, b)" (a gets the smaller value, b the larger) for each pair in order sorts any m
// values. The network is built for the next power of two n ≥ m and pruned: a comparator touching an index
// ≥ m would only meet a +∞ padding value there and leave both sides unchanged, so it is dropped.
// It has O(m log² m) comparators (403 for m = 50), and it lets many points be sorted at once, one vector
// lane per point, with no data-dependent branches.
func sortingNetwork(m int) [][2]int {
	n := 1
	for n < m {
		n *= 2
	}
	var net [][2]int
	for p := 1; p < n; p *= 2 {
		for k := p; k >= 1; k /= 2 {
			for j := k % p; j+k < n; j += 2 * k {
				for i := 0; i < k; i++ {
					a, b := i+j, i+j+k
					if a/(2*p) == b/(2*p) && b < m {
						net = append(net, [2]int{a, b})
					}
				}
			}
		}
	}
	return net
}

// sortColumnsScalar sorts each of the first n columns of rows, a member-major block of len(rows)/stride rows
// (one per member) and stride columns (one per point), ascending down the column.
func sortColumnsScalar(rows []float64, stride, n int, net [][2]int) {
	for _, c := range net {
		a := rows[c[0]*stride : c[0]*stride+n]
		b := rows[c[1]*stride : c[1]*stride+n]
		for i := range a {
			x, y := a[i], b[i]
			a[i], b[i] = min(x, y), max(x, y)
		}
	}
}

// crpsColumnsScalar writes to out[j] the CRPS of column j of the sorted member-major block rows (m rows of
// stride columns) against y[j], for j < n, with the estimator's formula (see Estimator).
func crpsColumnsScalar(rows []float64, stride, m, n int, y []float64, est Estimator, out []float64) {
	for j := 0; j < n; j++ {
		var absSum, sum, rankSum float64
		for k := 0; k < m; k++ {
			v := rows[k*stride+j]
			absSum += abs(v - y[j])
			sum += v
			rankSum += float64(k) * v
		}
		out[j] = crpsFromSums(absSum, sum, rankSum, m, est)
	}
}

// crpsFromSums combines Σ|x−y|, Σ x_(k) and Σ k·x_(k) into the estimator's CRPS.
func crpsFromSums(absSum, sum, rankSum float64, m int, est Estimator) float64 {
	mf := float64(m)
	switch est {
	case Fair:
		return absSum/mf - (2*rankSum-(mf-1)*sum)/(mf*(mf-1))
	case PWM:
		if m == 1 {
			return absSum
		}
		return absSum/mf + sum/mf - 2*rankSum/(mf*(mf-1))
	default:
		return absSum/mf - (2*rankSum-(mf-1)*sum)/(mf*mf)
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
