package forecast

import "fmt"

// LikeSidecar reads the sidecar of the forecast array at path, whose cases a baseline is to repeat
// (`tidal baseline --like`), and checks that they were taken from the data file src: a sidecar that
// records its source's SHA-256 must have src's. It returns nil, nil when path has no sidecar. Errors
// name path and src as pathName and srcName (a command line's "--like" and "--data").
func LikeSidecar(path, src, pathName, srcName string) (*Sidecar, error) {
	sc, err := ReadSidecar(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", pathName, path, err)
	}
	if sc == nil {
		return nil, nil
	}
	sum, err := FileSHA256(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", srcName, err)
	}
	if sc.SourceSHA256 != "" && sc.SourceSHA256 != sum {
		return nil, fmt.Errorf("%s %s was made from %s (SHA-256 %s), but %s %s has SHA-256 %s: a baseline of its cases needs the same data",
			pathName, path, sc.Source, sc.SourceSHA256, srcName, src, sum)
	}
	return sc, nil
}
