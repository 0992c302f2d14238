package metrics

import (
	"encoding/json"
	"math"
	"testing"
)

func TestValueJSONRoundTripKeepsNaN(t *testing.T) {
	in := []Value{1.5, Value(math.NaN()), -2e-7, Value(math.Inf(1))}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "[1.5,null,-2e-07,null]" {
		t.Fatalf("marshalled %s", b)
	}
	var out []Value
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out[0] != 1.5 || !math.IsNaN(float64(out[1])) || out[2] != -2e-7 || !math.IsNaN(float64(out[3])) {
		t.Errorf("read back %v", out)
	}
	if err := json.Unmarshal([]byte(`["x"]`), &out); err == nil {
		t.Error("a string was read as a Value")
	}
}
