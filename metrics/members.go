package metrics

// chunkPoints is how many field points are gathered at a time into a member-major block (one row per
// member, one column per point), small enough to stay in cache and a multiple of every vector length.
const chunkPoints = 256

// memberSource serves, for one (case, lead) at a time, blocks of the members of consecutive field points and
// the truth, optionally after pooling every image of the field.
type memberSource[F, O Float] struct {
	f       *Fields[F]
	o       *Fields[O]
	pool    *Pooling
	members int
	points  int   // points per field after pooling
	field   []int // field shape after pooling
}

// memberScratch is one goroutine's buffers for a memberSource.
type memberScratch struct {
	bases  []int     // base offset of each member's field (unpooled)
	chunk  []float64 // members × chunkPoints, member-major
	y      []float64 // truth at every (pooled) point
	yMin   []float64 // smallest truth value under each pooled point (= y without pooling), for the mask
	pooled []float64 // members × points, member-major (pooled only)
	img    []float64 // one unpooled field (pooled only)
	yChunk []float64 // truth of the points in chunk
	out    []float64 // one result per point in chunk
	column []float64 // one point's members (large ensembles)
}

func newMemberSource[F, O Float](f *Fields[F], o *Fields[O], pool *Pooling) (*memberSource[F, O], error) {
	s := &memberSource[F, O]{f: f, o: o, pool: pool, members: f.Members, points: f.Points(), field: f.Field}
	if pool != nil {
		shape, err := pool.pooledShape(f.Field)
		if err != nil {
			return nil, err
		}
		s.field, s.points = shape, NumPoints(shape)
	}
	return s, nil
}

func (s *memberSource[F, O]) newScratch() *memberScratch {
	sc := &memberScratch{
		bases:  make([]int, s.members),
		chunk:  make([]float64, chunkPoints*s.members),
		y:      make([]float64, s.points),
		yChunk: make([]float64, chunkPoints),
		out:    make([]float64, chunkPoints),
		column: make([]float64, s.members),
	}
	sc.yMin = sc.y
	if s.pool != nil {
		sc.pooled = make([]float64, s.members*s.points)
		sc.img = make([]float64, s.f.Points())
		sc.yMin = make([]float64, s.points)
	}
	return sc
}

// load prepares case c, lead l: the truth, and the member fields' bases (or their pooled copies).
func (s *memberSource[F, O]) load(sc *memberScratch, c, l int) {
	for m := range sc.bases {
		sc.bases[m] = s.f.base(c, m, l)
	}
	if s.pool == nil {
		s.o.CopyField(sc.y, c, 0, l)
		return
	}
	s.pool.poolField(sc.y, s.o.CopyField(sc.img, c, 0, l), s.f.Field)
	for i, v := range sc.img { // min-pool the truth as −max(−y), for DyDiff's mask
		sc.img[i] = -v
	}
	minPool := Pooling{Kind: "max", Size: s.pool.Size, Stride: s.pool.Stride, Pad: s.pool.Pad}
	minPool.poolField(sc.yMin, sc.img, s.f.Field)
	for i, v := range sc.yMin {
		sc.yMin[i] = -v
	}
	for m := 0; m < s.members; m++ {
		s.pool.poolField(sc.pooled[m*s.points:(m+1)*s.points], s.f.CopyField(sc.img, c, m, l), s.f.Field)
	}
}

// gather fills row m of sc.chunk with member m at points p0..p0+n−1 and returns n (at most chunkPoints).
func (s *memberSource[F, O]) gather(sc *memberScratch, p0 int) int {
	n := min(chunkPoints, s.points-p0)
	if s.pool != nil {
		for m := 0; m < s.members; m++ {
			copy(sc.chunk[m*chunkPoints:m*chunkPoints+n], sc.pooled[m*s.points+p0:m*s.points+p0+n])
		}
		return n
	}
	offs := s.f.offsets[p0 : p0+n]
	// Offsets strictly increase (field axes keep their order, and C-order strides shrink along them), so a
	// span of n−1 means the n points are contiguous.
	contiguous := offs[n-1]-offs[0] == n-1
	for m, b := range sc.bases {
		row := sc.chunk[m*chunkPoints : m*chunkPoints+n]
		if contiguous {
			for j, v := range s.f.data[b+offs[0] : b+offs[0]+n] {
				row[j] = float64(v)
			}
			continue
		}
		for j, o := range offs {
			row[j] = float64(s.f.data[b+o])
		}
	}
	return n
}
