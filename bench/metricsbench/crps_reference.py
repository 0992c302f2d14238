"""NumPy reference for `tidal bench metrics`: the ensemble CRPS of the empirical distribution
(properscoring's crps_ensemble), vectorised the usual NumPy way with a sort along the member axis.

Protocol (stdin/stdout, one case at a time so memory stays at a few case-sized buffers):
  argv: M L H W
  for each case: read M*L*H*W float32 forecast values ([M, L, H, W], C order), then L*H*W float32 truth
  values ([L, H, W]); print one line: the seconds spent computing, then the CRPS of each lead (the mean
  over the H*W points). An empty read ends the run.

For members x_(0) <= ... <= x_(M-1) sorted and truth y, per point:
  CRPS = mean_m |x_m - y| - sum_k (2k - M + 1) x_(k) / M^2
"""
import sys
import time

import numpy as np

M, L, H, W = map(int, sys.argv[1:5])
nf, ny = M * L * H * W, L * H * W
fbuf = np.empty(nf, dtype=np.float32)
ybuf = np.empty(ny, dtype=np.float32)
weights = (2.0 * np.arange(M) - M + 1).astype(np.float32)
stdin = sys.stdin.buffer


def read_into(buf):
    view = memoryview(buf).cast("B")
    got = 0
    while got < len(view):
        n = stdin.readinto(view[got:])
        if not n:
            return got
        got += n
    return got


while True:
    if read_into(fbuf) == 0:
        break
    if read_into(ybuf) != ybuf.nbytes:
        sys.exit("crps_reference.py: truncated truth")
    f = fbuf.reshape(M, L * H * W)
    y = ybuf.reshape(L * H * W)
    t0 = time.perf_counter()
    mae = np.abs(f - y).mean(axis=0)
    spread = weights @ np.sort(f, axis=0)
    crps = mae - spread / (M * M)
    per_lead = crps.reshape(L, H * W).mean(axis=1, dtype=np.float64)
    dt = time.perf_counter() - t0
    print(repr(dt), " ".join(repr(float(v)) for v in per_lead), flush=True)
