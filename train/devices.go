package train

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/gomlx/ml/model"
)

// shardBatch makes e run data-parallel over the first n devices of b through GoMLX's automatic sharding
// (XLA's GSPMD): one mesh axis "data", every variable replicated (the store's default spec), the first
// nBatch inputs split along their batch axis and the rest (the per-step scalars) replicated. The graph
// is the same as on one device; XLA inserts the all-reduce of the gradients. The Go backend has a
// single device, so there this path only refuses n > 1 (docs/TRAINING.md).
func shardBatch(b compute.Backend, e *model.Exec, n, nBatch, nOther int) error {
	if have := b.NumDevices(); have < n {
		return fmt.Errorf("devices = %d: the %s backend has %d device(s)", n, b.Name(), have)
	}
	mesh, err := distributed.NewDeviceMesh([]int{n}, []string{"data"})
	if err != nil {
		return err
	}
	e.AutoSharding(mesh)
	split, err := distributed.BuildSpec(mesh).S("data").Done()
	if err != nil {
		return err
	}
	specs := make([]*distributed.ShardingSpec, 0, nBatch+nOther)
	for range nBatch {
		specs = append(specs, split)
	}
	for range nOther {
		specs = append(specs, distributed.NewReplicatedShardingSpec(mesh))
	}
	e.WithInputShardingSpecs(specs...)
	return nil
}
