"""Paired comparison of two ensemble forecasts of the same cases (docs/RESULTS.md, issue 20).

Usage: python3 scripts/paired_crps.py A.npy B.npy [C.npy D.npy ...]

Each forecast is `tidal forecast`'s [cases, members, lead, ...] NPY with its truth beside it (OUT.truth.npy).
For each pair it prints both mean CRPS values (the ensemble estimator E|X - y| - 1/2 E|X - X'|, per case over
leads and pixels), the mean of the paired differences B - A relative to A's mean, and a 95 % interval from a
block bootstrap over cases (blocks of 5 consecutive cases, since neighbouring cases share frames).
"""
import sys

import numpy as np


def case_crps(path):
    f = np.load(path).astype(np.float64)
    y = np.load(path[:-4] + ".truth.npy").astype(np.float64)
    cases, members = f.shape[:2]
    f = f.reshape(cases, members, -1)
    y = y.reshape(cases, -1)
    skill = np.abs(f - y[:, None]).mean(1)
    spread = np.zeros_like(skill)
    for i in range(members):
        spread += np.abs(f[:, i:i + 1] - f).sum(1)
    spread /= 2 * members * members
    return (skill - spread).mean(1)


def paired(a_path, b_path, block=5, resamples=4000, seed=0):
    a, b = case_crps(a_path), case_crps(b_path)
    if a.shape != b.shape:
        raise SystemExit(f"{a_path} and {b_path} hold different numbers of cases")
    d = b - a
    nb = len(d) // block
    if nb < 2:
        raise SystemExit(f"{a_path}: {len(d)} cases make fewer than two blocks of {block}")
    blocks = d[:nb * block].reshape(nb, block).mean(1)
    boots = np.random.default_rng(seed).choice(blocks, size=(resamples, nb)).mean(1)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return a.mean(), b.mean(), d.mean() / a.mean(), lo / a.mean(), hi / a.mean()


def main(args):
    if len(args) < 2 or len(args) % 2:
        raise SystemExit(__doc__)
    for a_path, b_path in zip(args[::2], args[1::2]):
        ma, mb, r, lo, hi = paired(a_path, b_path)
        print(f"{a_path} {ma:.4f}  {b_path} {mb:.4f}  diff {100 * r:+.2f}%  "
              f"95% block-bootstrap interval [{100 * lo:+.2f}%, {100 * hi:+.2f}%]")


if __name__ == "__main__":
    main(sys.argv[1:])
