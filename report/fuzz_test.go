package report

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadRun: no stats.jsonl and options.json of a run folder make the report's run reader panic.
func FuzzReadRun(f *testing.F) {
	f.Add([]byte("{\"step\":1,\"loss\":0.5}\n{\"step\":2,\"loss\":0.4}\n"), []byte(`{"options":{"steps":2},"config":{"method":"dydiff"}}`))
	f.Add([]byte("{\"step\":1,\"loss\":0.5}\n{\"step\":2,"), []byte(`[1,[2,{"a":null}]]`))
	f.Add([]byte("{\"step\":-1}\n"), []byte(``))
	f.Add([]byte("not json\n{}\n"), []byte(`{`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, stats, options []byte) {
		if err := os.WriteFile(filepath.Join(dir, "stats.jsonl"), stats, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "options.json"), options, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := ReadRun(dir, "run")
		if err == nil && len(r.Stats) == 0 {
			t.Error("accepted a run without a logged step")
		}
	})
}
