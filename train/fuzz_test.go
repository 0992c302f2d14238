package train

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecodeCheckpoint: no manifest and tensor bytes make the checkpoint reader panic or allocate
// beyond what the bytes hold (readCheckpoint after its checksums: the manifest with unknown fields
// refused, then decodeTensors).
func FuzzDecodeCheckpoint(f *testing.F) {
	f.Add([]byte(`{"format":"`+checkpointFormat+`","kind":"checkpoint","step":1,"tensors":[{"name":"w","dtype":"Float32","shape":[2],"offset":0,"bytes":8}]}`), make([]byte, 8))
	f.Add([]byte(`{"tensors":[{"name":"w","dtype":"Float32","shape":[-1],"offset":0,"bytes":-4}]}`), []byte{})
	f.Add([]byte(`{"tensors":[{"name":"w","dtype":"Float64","shape":[4294967296,4294967296],"offset":0,"bytes":0}]}`), []byte{})
	f.Add([]byte(`{"tensors":[{"name":"w","dtype":"Bogus","shape":[1]}]}`), []byte{1})
	f.Add([]byte(`{"tensors":[{"name":"a","dtype":"Int32","shape":[],"offset":0,"bytes":4},{"name":"b","dtype":"Int32","shape":[1],"offset":4,"bytes":4}]}`), make([]byte, 8))
	f.Fuzz(func(t *testing.T, manifestJSON, bin []byte) {
		var m manifest
		dec := json.NewDecoder(bytes.NewReader(manifestJSON))
		dec.DisallowUnknownFields()
		if dec.Decode(&m) != nil {
			return
		}
		ts, err := decodeTensors(bin, m.Tensors)
		if err != nil {
			return
		}
		total := int64(0)
		for _, n := range ts {
			total += n.T.Shape().ByteSize()
		}
		if total != int64(len(bin)) {
			t.Errorf("decoded %d bytes of tensors from %d", total, len(bin))
		}
	})
}
