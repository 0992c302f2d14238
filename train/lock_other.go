//go:build !unix

package train

// lockRun does nothing where flock is missing; two processes must then not share a run directory.
func lockRun(string) (func(), error) { return func() {}, nil }
