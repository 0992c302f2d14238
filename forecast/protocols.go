package forecast

import (
	"fmt"
	"strings"
)

// Protocol is one of GluonTS's multivariate benchmarks as TimeGrad (Rasul et al. 2021, Table 2) and its
// successors evaluate them (gluonts/dataset/repository/_gp_copula_2019.py, docs/SERIES.md): the series'
// number and frequency, the prediction length, the number of rolling test windows (back to back, the
// last ending at the test file's last row), GluonTS's max_target_dim (0: every series), the model's
// context (the prediction length, as TimeGrad) and seasonal naive's period (one day, or a business week).
type Protocol struct {
	Name      string
	Series    int
	Freq      string
	Predict   int
	Windows   int
	MaxSeries int
	Context   int
	Period    int
}

// Protocols are the six named protocols of `tidal bench series --dataset`.
var Protocols = []Protocol{
	{Name: "exchange_rate_nips", Series: 8, Freq: "B", Predict: 30, Windows: 5, Context: 30, Period: 5},
	{Name: "solar_nips", Series: 137, Freq: "h", Predict: 24, Windows: 7, Context: 24, Period: 24},
	{Name: "electricity_nips", Series: 370, Freq: "h", Predict: 24, Windows: 7, Context: 24, Period: 24},
	{Name: "traffic_nips", Series: 963, Freq: "h", Predict: 24, Windows: 7, Context: 24, Period: 24},
	{Name: "taxi_30min", Series: 1214, Freq: "30min", Predict: 24, Windows: 56, Context: 24, Period: 48},
	{Name: "wiki-rolling_nips", Series: 9535, Freq: "D", Predict: 30, Windows: 5, MaxSeries: 2000, Context: 30, Period: 7},
}

// ProtocolByName returns the named protocol, or an error listing the names.
func ProtocolByName(name string) (Protocol, error) {
	var names []string
	for _, p := range Protocols {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Protocol{}, fmt.Errorf("dataset %q: expected one of %s", name, strings.Join(names, ", "))
}

// Rolling is the protocol's test windows over a series of rows rows (the longest series of the test
// file): EndRolling(rows, Windows, Predict).
func (p Protocol) Rolling(rows int) (Rolling, error) {
	r, err := EndRolling(rows, p.Windows, p.Predict)
	if err != nil {
		return Rolling{}, fmt.Errorf("%s: %w", p.Name, err)
	}
	return r, nil
}
