"""Independent NumPy/SciPy/scikit-image reference for tidal's metrics, used by metrics' TestScoreMatchesNumPyReference.

Usage: metrics_score.py DIR  -- reads DIR/f.npy [C, M, L, ch, H, W], DIR/y.npy [C, L, ch, H, W], DIR/w.npy [H]
(row weights), DIR/params.json, and prints JSON {metric: {"per_lead": [...], "pooled": x}}.

Every metric is written the direct way (pairwise CRPS by broadcasting, windows by explicit slicing), not
the way tidal's Go code computes it, so the two implementations can check each other.
"""
import json
import os
import sys

import numpy as np
from scipy import ndimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

d = sys.argv[1]
f = np.load(os.path.join(d, "f.npy")).astype(np.float64)
y = np.load(os.path.join(d, "y.npy")).astype(np.float64)
rows = np.load(os.path.join(d, "w.npy")).astype(np.float64)
params = json.load(open(os.path.join(d, "params.json")))
C, M, L, CH, H, W = f.shape
w = np.broadcast_to(rows[None, :, None], (CH, H, W))
w = w / w.mean()
out = {}


def per_lead(v):  # v: [C, L] -> mean over cases
    return list(np.mean(v, axis=0))


def pairwise_crps(x, yy, fair):
    """x: [..., M] members, yy: [...]; direct O(M^2) definition."""
    m = x.shape[-1]
    a = np.abs(x - yy[..., None]).mean(-1)
    b = np.abs(x[..., :, None] - x[..., None, :]).sum((-1, -2))
    return a - b / (2 * m * (m - 1) if fair else 2 * m * m)


fm = np.moveaxis(f, 1, -1)  # [C, L, ch, H, W, M]
for name, fair in [("crps", False), ("crps-fair", True)]:
    c = pairwise_crps(fm, y, fair)
    out[name] = {"per_lead": per_lead((w * c).mean((2, 3, 4)))}
    if name == "crps":
        mask = y >= 0
        masked = (c * mask).sum((2, 3, 4)) / mask.sum((2, 3, 4))
        out["crps-masked"] = {"per_lead": per_lead(masked)}

# DyDiff's PWM form, written as in its paper-style formula with sorted members.
s = np.sort(f, axis=1)
beta0 = s.mean(1)
beta1 = (np.arange(M).reshape(1, M, 1, 1, 1, 1) * s).sum(1) / (M * (M - 1))
pwm = np.abs(f - y[:, None]).mean(1) + beta0 - 2 * beta1
out["crps-pwm"] = {"per_lead": per_lead((w * pwm).mean((2, 3, 4)))}


def pool(a, kind, k, stride, pad):
    """PyTorch-style 2-D pooling over the last two axes, by explicit windows."""
    hh, ww = a.shape[-2:]
    oh, ow = (hh + 2 * pad - k) // stride + 1, (ww + 2 * pad - k) // stride + 1
    res = np.empty(a.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * stride - pad, j * stride - pad
            win = a[..., max(r0, 0):r0 + k, max(c0, 0):c0 + k]
            res[..., i, j] = win.max((-1, -2)) if kind == "max" else win.sum((-1, -2)) / (k * k)
    return res


for kind, k in params["crps_pools"]:
    st = (k + 2) // 4
    pf, py = pool(f, kind, k, st, 0), pool(y, kind, k, st, 0)
    c = pairwise_crps(np.moveaxis(pf, 1, -1), py, True)
    out["crps-fair@%s%d" % (kind, k)] = {"per_lead": per_lead(c.mean((2, 3, 4)))}
    if (kind, k) == ("avg", 2):  # DyDiff's mask after pooling: no negative truth in the window
        mask = pool(-y, "max", k, st, 0) <= 0
        out["crps-fair-masked@avg2"] = {"per_lead": per_lead((c * mask).sum((2, 3, 4)) / mask.sum((2, 3, 4)))}

# Spread, skill, SSR, RMSE, bias.
xbar = f.mean(1)
var = f.var(1, ddof=1)
err2 = (y - xbar) ** 2
spread = np.sqrt(np.mean((w * var).mean((2, 3, 4)), axis=0))
skill = np.sqrt(np.mean((w * err2).mean((2, 3, 4)), axis=0))
out["spread"] = {"per_lead": list(spread)}
out["skill"] = {"per_lead": list(skill)}
out["ssr"] = {"per_lead": list(np.sqrt((M + 1) / M) * spread / skill)}
out["rmse"] = {"per_lead": per_lead(np.sqrt((w * err2).mean((2, 3, 4))))}
bias_map = (y - xbar).mean(0)  # [L, ch, H, W]
out["bias"] = {"per_lead": list((w * bias_map).mean((1, 2, 3)))}
out["abs-bias"] = {"per_lead": list((w * np.abs(bias_map)).mean((1, 2, 3)))}

# Rank histogram (continuous data: no ties).
ranks = (f < y[:, None]).sum(1)  # [C, L, ch, H, W]
out["rank-hist"] = {"histogram": [list(np.bincount(ranks[:, l].ravel(), minlength=M + 1).astype(float)) for l in range(L)]}


def ratio(num, den):  # num, den: [C, L]
    n, dd = num.sum(0), den.sum(0)
    return {"per_lead": list(n / dd), "pooled": float(n.sum() / dd.sum())}


# CSI: hits / (hits + misses + false alarms), counts pooled over members, windowed by max-pooling.
thr = params["threshold"]
ef, ey = (f >= thr).astype(float), (y >= thr).astype(float)
for k in params["csi_windows"]:
    if k > 1:
        pf, py = pool(ef, "max", k, k // 2, k // 2), pool(ey, "max", k, k // 2, k // 2)
    else:
        pf, py = ef, ey
    py = py[:, None]
    tp = (pf * py).sum((1, 3, 4, 5))
    fp = (pf * (1 - py)).sum((1, 3, 4, 5))
    fn = ((1 - pf) * py).sum((1, 3, 4, 5))
    name = "csi@%g" % thr + ("/w%d" % k if k > 1 else "")
    out[name] = ratio(tp, tp + fp + fn)

# FSS with SciPy's uniform filter (zero outside the image), centred windows.
for k in params["fss_windows"]:
    ff = ndimage.uniform_filter(ef, size=(1, 1, 1, 1, k, k), mode="constant", cval=0.0)
    fy = ndimage.uniform_filter(ey, size=(1, 1, 1, k, k), mode="constant", cval=0.0)[:, None]
    num = ((ff - fy) ** 2).sum((1, 3, 4, 5))
    den = (ff ** 2 + fy ** 2).sum((1, 3, 4, 5))
    r = ratio(num, den)
    out["fss@%g/w%d" % (thr, k)] = {"per_lead": [1 - v for v in r["per_lead"]], "pooled": 1 - r["pooled"]}

# CRPS-sum, both forms, and the per-series quantile CRPS (GluonTS/CSDI).
fs, ys = f.sum((3, 4, 5)), y.sum((2, 3, 4))  # [C, M, L], [C, L]
out["crps-sum"] = ratio(pairwise_crps(np.moveaxis(fs, 1, -1), ys, False), np.abs(ys))
qs = np.arange(1, 20) / 20.0


def quantile_loss(samples, target):  # samples [M, ...], target [...]
    tot = 0.0
    for q in qs:
        fq = np.quantile(samples, q, axis=0)
        tot = tot + 2 * np.abs((fq - target) * ((target <= fq) * 1.0 - q))
    return tot / len(qs)


out["crps-sum-ql"] = ratio(quantile_loss(np.moveaxis(fs, 1, 0), ys), np.abs(ys))
ql = quantile_loss(np.moveaxis(f, 1, 0), y).sum((2, 3, 4))
out["crps-ql"] = ratio(ql, np.abs(y).sum((2, 3, 4)))

# Energy score (scoringRules es_sample) and variogram score of order 0.5 with unit weights (vs_sample),
# each case's and lead's field as one vector, no point weights: by broadcasting over all pairs.
xv = f.reshape(C, M, L, -1)
yv = y.reshape(C, L, -1)
es = np.zeros((C, L))
vs = np.zeros((C, L))
for c in range(C):
    for l in range(L):
        x = xv[c, :, l]  # [M, P]
        t = yv[c, l]
        es[c, l] = np.linalg.norm(x - t, axis=1).mean() - 0.5 * np.linalg.norm(x[:, None] - x[None], axis=2).mean()
        vy = np.abs(t[:, None] - t[None]) ** 0.5
        vx = (np.abs(x[:, :, None] - x[:, None, :]) ** 0.5).mean(0)
        vs[c, l] = ((vy - vx) ** 2).sum()
out["energy"] = {"per_lead": per_lead(es)}
out["variogram"] = {"per_lead": per_lead(vs)}

# PSNR and SSIM per member over the field, mean over members, mean over cases.
R = params["data_range"]
ps = np.zeros((C, L))
ss = np.zeros((C, L))
for c in range(C):
    for l in range(L):
        for m in range(M):
            ps[c, l] += peak_signal_noise_ratio(y[c, l], f[c, m, l], data_range=R) / M
            ss[c, l] += np.mean([structural_similarity(f[c, m, l, k], y[c, l, k], gaussian_weights=True, sigma=1.5,
                                                       use_sample_covariance=False, data_range=R)
                                 for k in range(CH)]) / M
out["psnr"] = {"per_lead": per_lead(ps)}
out["ssim"] = {"per_lead": per_lead(ss)}



def plain(v):
    """NumPy scalars and arrays to Python floats and lists, for json."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [plain(x) for x in v]
    return float(v)


print(json.dumps(plain(out)))
