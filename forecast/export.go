package forecast

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/tidal-forecast/tidal/data"
)

// Export describes a series forecast [windows, members, lead, N] for the series formats: the first
// forecast row of each window (Starts), the series' names (nil: "0", "1", …) and, where known, the time
// stamp of a row (Stamp returns "" where it is not known) and the frequency's pandas alias.
type Export struct {
	Starts []int
	Names  []string
	Stamp  func(row int) string
	Freq   string
}

func (e Export) check(f *data.Array) (W, M, H, N int, err error) {
	if len(f.Shape) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("a series forecast is [windows, members, lead, series], got shape %v", f.Shape)
	}
	W, M, H, N = f.Shape[0], f.Shape[1], f.Shape[2], f.Shape[3]
	if len(e.Starts) != W {
		return 0, 0, 0, 0, fmt.Errorf("%d window starts for a forecast of %d windows", len(e.Starts), W)
	}
	if e.Names != nil && len(e.Names) != N {
		return 0, 0, 0, 0, fmt.Errorf("%d series names for a forecast of %d series", len(e.Names), N)
	}
	for _, v := range f.Float32() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return 0, 0, 0, 0, fmt.Errorf("the forecast holds %v; the series formats take finite values", v)
		}
	}
	return W, M, H, N, nil
}

func (e Export) name(n int) string {
	if e.Names == nil {
		return strconv.Itoa(n)
	}
	return e.Names[n]
}

func (e Export) stamp(row int) string {
	if e.Stamp == nil {
		return ""
	}
	return e.Stamp(row)
}

// WriteQuantileCSV writes the forecast's mean and quantiles (levels in (0, 1); linear interpolation
// between the members' order statistics, NumPy's default) as a long CSV table, one row per window,
// series and lead, in that order, with the header
//
//	window,item_id,row,timestamp,mean,0.05,…,0.95
//
// where row is the forecast row's index in the series and timestamp its time (empty where unknown;
// the column is left out when no row's time is known).
func WriteQuantileCSV(w io.Writer, f *data.Array, e Export, quantiles []float64) error {
	W, M, H, N, err := e.check(f)
	if err != nil {
		return err
	}
	for _, q := range quantiles {
		if !(q > 0 && q < 1) {
			return fmt.Errorf("quantile level %v: expected a level in (0, 1)", q)
		}
	}
	times := e.Stamp != nil && e.stamp(e.Starts[0]) != ""
	bw := bufio.NewWriter(w)
	bw.WriteString("window,item_id,row")
	if times {
		bw.WriteString(",timestamp")
	}
	bw.WriteString(",mean")
	for _, q := range quantiles {
		bw.WriteString("," + strconv.FormatFloat(q, 'g', -1, 64))
	}
	bw.WriteString("\n")
	v := f.Float32()
	x := make([]float64, M)
	for b := range W {
		for n := range N {
			for h := range H {
				var sum float64
				for m := range M {
					x[m] = float64(v[((b*M+m)*H+h)*N+n])
					sum += x[m]
				}
				slices.Sort(x)
				row := e.Starts[b] + h
				fmt.Fprintf(bw, "%d,%s,%d", b, csvField(e.name(n)), row)
				if times {
					bw.WriteString("," + e.stamp(row))
				}
				bw.WriteString("," + strconv.FormatFloat(sum/float64(M), 'g', -1, 64))
				for _, q := range quantiles {
					bw.WriteString("," + strconv.FormatFloat(sortedQuantile(x, q), 'g', -1, 64))
				}
				bw.WriteString("\n")
			}
		}
	}
	return bw.Flush()
}

// sortedQuantile is the q-quantile of sorted x by linear interpolation between order statistics.
func sortedQuantile(x []float64, q float64) float64 {
	pos := q * float64(len(x)-1)
	i := int(math.Floor(pos))
	if i >= len(x)-1 {
		return x[len(x)-1]
	}
	return x[i] + (pos-float64(i))*(x[i+1]-x[i])
}

// csvField quotes a series name that holds a comma, a quote or a line break (RFC 4180).
func csvField(s string) string {
	for _, c := range s {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			out := []byte{'"'}
			for _, r := range []byte(s) {
				if r == '"' {
					out = append(out, '"')
				}
				out = append(out, r)
			}
			return string(append(out, '"'))
		}
	}
	return s
}

// sampleLine is one line of WriteSamplesJSONL.
type sampleLine struct {
	ItemID  string      `json:"item_id"`
	Window  int         `json:"window"`
	Row     int         `json:"row"`
	Start   string      `json:"start,omitempty"`
	Freq    string      `json:"freq,omitempty"`
	Samples [][]float32 `json:"samples"`
}

// WriteSamplesJSONL writes the forecast's sample paths as JSON lines in GluonTS's style, one line per
// window and series:
//
//	{"item_id": "3", "window": 0, "row": 6071, "start": "2013-04-26 00:00:00", "freq": "B", "samples": [[…lead…], …members…]}
//
// start (the forecast's first time stamp, GluonTS's forecast_start) and freq are left out where unknown.
func WriteSamplesJSONL(w io.Writer, f *data.Array, e Export) error {
	W, M, H, N, err := e.check(f)
	if err != nil {
		return err
	}
	v := f.Float32()
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for b := range W {
		for n := range N {
			l := sampleLine{ItemID: e.name(n), Window: b, Row: e.Starts[b], Start: e.stamp(e.Starts[b]), Freq: e.Freq, Samples: make([][]float32, M)}
			for m := range M {
				p := make([]float32, H)
				for h := range H {
					p[h] = v[((b*M+m)*H+h)*N+n]
				}
				l.Samples[m] = p
			}
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}
