"""FVD and LPIPS of a `tidal forecast` of videos, with pretrained networks the user supplies (docs/VIDEO.md).

tidal cannot ship the pretrained networks these two scores need, so they are computed here, apart from
`tidal score` (which computes PSNR and SSIM itself):

  FVD   Frechet video distance (Unterthiner et al. 2018): the Frechet distance between Gaussians fitted to
        I3D features of real and generated videos,
            d^2 = |mu_r - mu_g|^2 + tr(S_r + S_g - 2 (S_r S_g)^(1/2)).
        The I3D network is a TorchScript file (--i3d), e.g. the Kinetics-400 `i3d_torchscript.pt` port that
        returns 400-d pre-softmax features when called as net(x, rescale=., resize=., return_features=True)
        on x [videos, 3, frames, H, W].
  LPIPS learned perceptual image patch similarity (Zhang et al. 2018, eq. 1): per frame, the sum over
        layers l of the spatial mean of sum_c w_lc (f_lc(x)/|f_l(x)| - f_lc(y)/|f_l(y)|)^2, the features
        f_l unit-normalised over channels at each pixel and the learned weights w_l >= 0 multiplying the
        squared differences (as LPIPS' own code applies its linear layers). The network is the `lpips` pip package (--lpips package) or AlexNet
        built here from two weight files (--lpips LIN.pth --lpips-backbone ALEXNET.pth).

Inputs: --forecast FC.npy [cases, members, lead, 3, H, W] and its truth [cases, lead, 3, H, W] (--truth;
default FC.truth.npy, where `tidal forecast` writes it), frames RGB in [0, 1]. Forecast values outside
[0, 1] are clipped (counted in the output); values outside [-1, 2] or any NaN are refused.

Members: for FVD each member of each case is one generated video (--fvd-members all) or only member 0
(--fvd-members first: as many generated as real videos); the real set is the truth, one video per case.
LPIPS is reported per lead for each member against the truth, averaged over members ("mean"), the best
member (lowest, "best") and the member mean frame against the truth ("ensemble_mean").

Usage:
  python3 scripts/video_scores.py --forecast fc.npy --i3d i3d_torchscript.pt --lpips package --out s.json
  python3 scripts/video_scores.py --self-test
"""
import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np
import scipy.linalg

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # reported by main: the scores need PyTorch, the self-test's closed forms do not
    torch = None


class UsageError(Exception):
    """An input the script refuses; the message names the argument."""


NO_TORCH = 3  # the exit status of --self-test when only the NumPy/SciPy checks could run


# ---------------------------------------------------------------------------------------------------------
# Frechet distance


def gaussian_stats(features):
    """Mean and sample covariance (divisor n - 1) of features [n, d], in float64."""
    x = np.asarray(features, dtype=np.float64)
    return x.mean(0), np.atleast_2d(np.cov(x, rowvar=False))


def frechet_distance(mu1, s1, mu2, s2):
    """Squared Frechet distance between N(mu1, s1) and N(mu2, s2).

    tr((s1 s2)^(1/2)) is computed as tr((s1^(1/2) s2 s1^(1/2))^(1/2)), the same trace since the two
    matrices are AB and BA for A = s1^(1/2), B = s1^(1/2) s2 and so share their eigenvalues, from symmetric eigen-decompositions with eigenvalues below zero (rounding of a
    singular covariance, as with fewer samples than features) set to zero, so the result is real.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(s1, np.float64), np.asarray(s2, np.float64)
    w, v = np.linalg.eigh((s1 + s1.T) / 2)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = r1 @ s2 @ r1
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    d = mu1 - mu2
    return float(d @ d + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def frechet_distance_sqrtm(mu1, s1, mu2, s2):
    """The same distance through scipy.linalg.sqrtm of s1 s2 (the usual FID/FVD route), its imaginary part
    dropped when negligible; the self-test's independent check of frechet_distance."""
    root = scipy.linalg.sqrtm(np.asarray(s1, np.float64) @ np.asarray(s2, np.float64))
    if np.iscomplexobj(root):
        if np.abs(root.imag).max() > 1e-6 * max(1.0, np.abs(root.real).max()):
            raise ValueError(f"sqrtm: imaginary part {np.abs(root.imag).max():.3g} is not negligible")
        root = root.real
    d = np.asarray(mu1, np.float64) - np.asarray(mu2, np.float64)
    return float(d @ d + np.trace(s1) + np.trace(s2) - 2 * np.trace(root))


# ---------------------------------------------------------------------------------------------------------
# Bilinear resizing as matrices: x' = R_h x R_w^T per frame


def resize_matrix(n_in, n_out, mode):
    """[n_out, n_in] bilinear interpolation weights. mode "tf1": output pixel i samples input coordinate
    i * n_in / n_out (TensorFlow 1's resize_bilinear with align_corners=False, which the original FVD code
    uses); "half-pixel": (i + 1/2) n_in / n_out - 1/2 (PyTorch's interpolate, align_corners=False)."""
    scale = n_in / n_out
    i = np.arange(n_out, dtype=np.float64)
    src = i * scale if mode == "tf1" else np.maximum((i + 0.5) * scale - 0.5, 0)
    i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    w1 = src - i0
    r = np.zeros((n_out, n_in))
    r[np.arange(n_out), i0] += 1 - w1
    r[np.arange(n_out), i1] += w1
    return r


# ---------------------------------------------------------------------------------------------------------
# Reading tidal's forecast and truth


def _load(flag, path):
    if not path:
        raise UsageError(f"{flag}: no file given")
    if not os.path.isfile(path):
        raise UsageError(f"{flag} {path}: no such file")
    try:
        a = np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - any reader error is the file's fault
        raise UsageError(f"{flag} {path}: not a readable NPY file ({e})") from None
    if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
        raise UsageError(f"{flag} {path}: expected a float32 or float64 NPY array, found {getattr(a, 'dtype', type(a))}")
    return a


def _check_values(flag, path, a, lo, hi):
    """Refuses NaN or infinite values and values outside [lo, hi], one case at a time (no full copy)."""
    low, high = math.inf, -math.inf
    for c in range(a.shape[0]):
        x = np.asarray(a[c])
        if not np.isfinite(x).all():
            raise UsageError(f"{flag} {path}: case {c} holds NaN or infinite values")
        low, high = min(low, float(x.min())), max(high, float(x.max()))
    if low < lo or high > hi:
        raise UsageError(f"{flag} {path}: values span [{low:.4g}, {high:.4g}]; expected frames in [0, 1] "
                         f"(within [{lo:g}, {hi:g}]): normalised units or 0..255 frames are not tidal's video layout")
    return low, high


def read_pair(forecast, truth=None):
    """Reads --forecast [cases, members, lead, 3, H, W] and --truth [cases, lead, 3, H, W] (default: the
    forecast's name with .truth.npy, as `tidal forecast` writes it) memory-mapped, after checking shapes
    and values. Returns (forecast, truth, truth_path, clipped): clipped is the share of forecast values
    outside [0, 1], which the scores clip."""
    if truth is None:
        if not forecast.endswith(".npy"):
            raise UsageError(f"--forecast {forecast}: expected a .npy file, or give --truth")
        truth = forecast[:-4] + ".truth.npy"
    f = _load("--forecast", forecast)
    y = _load("--truth", truth)
    if f.ndim != 6 or f.shape[3] != 3:
        raise UsageError(f"--forecast {forecast}: shape {list(f.shape)}; expected [cases, members, lead, 3, H, W] "
                         "(a `tidal forecast` of RGB videos)")
    if y.ndim != 5 or y.shape[2] != 3:
        raise UsageError(f"--truth {truth}: shape {list(y.shape)}; expected [cases, lead, 3, H, W]")
    if (f.shape[0],) + f.shape[2:] != y.shape:
        raise UsageError(f"--truth {truth}: shape {list(y.shape)} does not match --forecast {forecast} "
                         f"{list(f.shape)}: expected {[f.shape[0]] + list(f.shape[2:])}")
    if min(f.shape) == 0:
        raise UsageError(f"--forecast {forecast}: shape {list(f.shape)} is empty")
    _check_values("--truth", truth, y, -1e-4, 1 + 1e-4)
    _check_values("--forecast", forecast, f, -1.0, 2.0)
    outside = sum(int(((np.asarray(f[c]) < 0) | (np.asarray(f[c]) > 1)).sum()) for c in range(f.shape[0]))
    return f, y, truth, outside / f.size


# ---------------------------------------------------------------------------------------------------------
# FVD


I3D_INPUTS = {
    # The TF-hub I3D's own convention (Unterthiner et al.'s reference code): frames resized to 224x224 with
    # TF1 bilinear and scaled to [-1, 1] here; the TorchScript port called with rescale=False, resize=False.
    "minus1to1": dict(rescale=False, resize=False),
    # StyleGAN-V's call: frames in [0, 255] at their own size; the module rescales and resizes itself.
    # What the module does inside is UNCONFIRMED (read from its callers, not from the file).
    "0to255": dict(rescale=True, resize=True),
}


def i3d_input(videos, convention, resize_mode="tf1", size=224):
    """videos [n, T, 3, H, W] in [0, 1] (float32 tensor) -> the network's input [n, 3, T, h, w]."""
    n, t, c, h, w = videos.shape
    x = videos.permute(0, 2, 1, 3, 4)
    if convention == "0to255":
        return x * 255
    rh = torch.tensor(resize_matrix(h, size, resize_mode), dtype=x.dtype, device=x.device)
    rw = torch.tensor(resize_matrix(w, size, resize_mode), dtype=x.dtype, device=x.device)
    x = torch.einsum("ih,ncthw,jw->nctij", rh, x, rw)
    return x * 2 - 1


def i3d_features(net, batches, convention, resize_mode, device):
    """Features [n, d] (float64) of the videos in batches (NumPy [b, T, 3, H, W], clipped to [0, 1] here)."""
    out = []
    for videos in batches:
        v = torch.from_numpy(np.clip(np.asarray(videos, dtype=np.float32), 0, 1)).to(device)
        x = i3d_input(v, convention, resize_mode)
        try:
            with torch.no_grad():
                feat = net(x, return_features=True, **I3D_INPUTS[convention])
        except Exception as e:  # noqa: BLE001 - the user's network: say what it was called with
            raise UsageError(f"--i3d: calling the network on {list(x.shape)} with "
                             f"{dict(I3D_INPUTS[convention], return_features=True)} failed: {e}") from None
        if isinstance(feat, (tuple, list)):
            feat = feat[0]
        feat = feat.detach().cpu().double().reshape(len(v), -1).numpy()
        if not np.isfinite(feat).all():
            raise UsageError("--i3d: the network returned NaN or infinite features")
        out.append(feat)
    return np.concatenate(out)


def fvd(net, f, y, members="all", convention="minus1to1", resize_mode="tf1", batch=8, device="cpu"):
    """FVD of forecast f [cases, members, lead, 3, H, W] against truth y [cases, lead, 3, H, W]: the real
    videos are the truth's, the generated ones each member's (members "all") or member 0's ("first")."""
    cases = f.shape[0]
    m = 1 if members == "first" else f.shape[1]
    real = i3d_features(net, (y[s:s + batch] for s in range(0, cases, batch)), convention, resize_mode, device)
    per = max(1, batch // m)  # cases per call, so that a call holds about batch videos
    gen = (np.asarray(f[s:s + per, :m]).reshape((-1,) + f.shape[2:]) for s in range(0, cases, per))
    fake = i3d_features(net, gen, convention, resize_mode, device)
    mu_r, s_r = gaussian_stats(real)
    mu_g, s_g = gaussian_stats(fake)
    return {"fvd": frechet_distance(mu_r, s_r, mu_g, s_g), "real_videos": len(real), "generated_videos": len(fake),
            "feature_dim": real.shape[1], "frames_per_video": int(f.shape[2]), "members": members,
            "i3d_input": convention, "resize": resize_mode if convention == "minus1to1" else "by the network",
            "rank_deficient": bool(min(len(real), len(fake)) <= real.shape[1])}


# ---------------------------------------------------------------------------------------------------------
# LPIPS


LPIPS_SHIFT = (-0.030, -0.088, -0.188)  # the LPIPS input scaling of [-1, 1] images (Zhang et al.'s code)
LPIPS_SCALE = (0.458, 0.448, 0.450)
LPIPS_MIN_SIZE = 31  # AlexNet's conv1 (stride 4) and two 3x3 stride-2 poolings leave 1 pixel of 31


def unit_normalise(feat, eps=1e-10):
    """Each pixel's feature vector divided by its Euclidean norm over channels (plus eps)."""
    return feat / (torch.sqrt((feat ** 2).sum(1, keepdim=True)) + eps)


def lpips_from_features(fx, fy, weights):
    """LPIPS from the layer features of two batches: for each layer, channel weights w [C] applied to the
    squared difference of unit-normalised features, summed over channels, averaged over pixels; summed
    over layers. Returns [n]."""
    total = 0
    for a, b, w in zip(fx, fy, weights):
        d = (unit_normalise(a) - unit_normalise(b)) ** 2
        total = total + (d * w.reshape(1, -1, 1, 1)).sum(1).mean((1, 2))
    return total


class AlexLPIPS:
    """LPIPS with AlexNet's five ReLU outputs (conv1..conv5) as the layers, from torchvision's AlexNet
    state dict (features.{0,3,6,8,10}.weight/bias) and LPIPS' linear layers (lin{0..4}.model.*.weight,
    [1, C, 1, 1]). Inputs in [-1, 1]."""

    CONVS = ((0, 4, 2, True), (3, 1, 2, True), (6, 1, 1, False), (8, 1, 1, False), (10, 1, 1, False))

    def __init__(self, backbone, lin, device="cpu"):
        self.convs, self.weights = [], []
        for idx, stride, pad, _ in self.CONVS:
            w, b = backbone.get(f"features.{idx}.weight"), backbone.get(f"features.{idx}.bias")
            if w is None or b is None:
                raise UsageError(f"--lpips-backbone: no features.{idx}.weight/bias: expected torchvision's AlexNet state dict")
            self.convs.append((w.float().to(device), b.float().to(device), stride, pad))
        for k, (w, _, _, _) in enumerate(self.convs):
            lw = next((lin[key] for key in (f"lin{k}.model.1.weight", f"lin{k}.model.0.weight") if key in lin), None)
            if lw is None or lw.numel() != w.shape[0]:
                raise UsageError(f"--lpips: no lin{k}.model.1.weight of {w.shape[0]} channels: expected LPIPS' "
                                 "AlexNet linear layers (alex.pth of LPIPS v0.1)")
            self.weights.append(lw.float().reshape(-1).to(device))
        self.shift = torch.tensor(LPIPS_SHIFT, device=device).reshape(1, 3, 1, 1)
        self.scale = torch.tensor(LPIPS_SCALE, device=device).reshape(1, 3, 1, 1)

    def features(self, x):
        x = (x - self.shift) / self.scale
        out = []
        for (w, b, stride, pad), (_, _, _, pool_before_next) in zip(self.convs, self.CONVS):
            x = F.relu(F.conv2d(x, w, b, stride=stride, padding=pad))
            out.append(x)
            if pool_before_next:
                x = F.max_pool2d(x, 3, 2)
        return out

    def __call__(self, x, y):
        with torch.no_grad():
            return lpips_from_features(self.features(x), self.features(y), self.weights)


def _torch_load(flag, path):
    if not os.path.isfile(path):
        raise UsageError(f"{flag} {path}: no such file")
    try:
        try:
            sd = torch.load(path, map_location="cpu", weights_only=True)
        except TypeError:  # a PyTorch without weights_only
            sd = torch.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001
        raise UsageError(f"{flag} {path}: not a readable PyTorch state dict ({e})") from None
    if not isinstance(sd, dict):
        raise UsageError(f"{flag} {path}: expected a state dict (name -> tensor), found {type(sd).__name__}")
    return sd


def lpips_network(spec, backbone, device):
    """The LPIPS network of --lpips: "package" (the lpips pip package's AlexNet, which brings its own
    weights) or LIN.pth with --lpips-backbone ALEXNET.pth. Returns (callable on [-1, 1] batches, name)."""
    if spec == "package":
        try:
            import lpips  # noqa: PLC0415 - optional
        except ImportError:
            raise UsageError("--lpips package: the lpips Python package is not installed; install it "
                             "(pip install lpips, which also needs torchvision) or give --lpips LIN.pth (LPIPS v0.1 "
                             "alex.pth) with --lpips-backbone ALEXNET.pth (torchvision's alexnet-owt-7be5be79.pth)") from None
        net = lpips.LPIPS(net="alex", verbose=False).to(device).eval()

        def call(x, y):
            with torch.no_grad():
                return net(x, y).reshape(-1)
        return call, "lpips package, net=alex"
    if not backbone:
        raise UsageError(f"--lpips {spec}: also give --lpips-backbone ALEXNET.pth (torchvision's AlexNet "
                         "weights), or --lpips package to use the lpips pip package")
    return AlexLPIPS(_torch_load("--lpips-backbone", backbone), _torch_load("--lpips", spec), device), "AlexNet from " + spec


def lpips_scores(net, f, y, batch=64, device="cpu"):
    """Per lead: LPIPS of each member against the truth averaged over cases and members ("mean"), of the
    best member per case and lead ("best"), and of the member mean frame ("ensemble_mean")."""
    cases, members, lead = f.shape[:3]
    each = np.zeros((cases, members, lead))
    ens = np.zeros((cases, lead))
    to = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(device) * 2 - 1  # noqa: E731
    for c in range(cases):
        fc = np.clip(np.asarray(f[c], dtype=np.float64), 0, 1)  # [members, lead, 3, H, W]
        yc = np.asarray(y[c], dtype=np.float64)
        frames_x = np.concatenate([fc.reshape((-1,) + fc.shape[2:]), fc.mean(0)])
        frames_y = np.concatenate([np.tile(yc, (members, 1, 1, 1)), yc])
        v = []
        for s in range(0, len(frames_x), batch):
            v.append(net(to(frames_x[s:s + batch]), to(frames_y[s:s + batch])).detach().cpu().double().numpy())
        v = np.concatenate(v)
        each[c] = v[:members * lead].reshape(members, lead)
        ens[c] = v[members * lead:]
    per = {"mean": each.mean((0, 1)), "best": each.min(1).mean(0), "ensemble_mean": ens.mean(0)}
    return {k: {"per_lead": [float(x) for x in p], "mean": float(p.mean())} for k, p in per.items()}


# ---------------------------------------------------------------------------------------------------------
# Command line


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--forecast", help="`tidal forecast` output [cases, members, lead, 3, H, W], NPY")
    p.add_argument("--truth", help="its truth [cases, lead, 3, H, W] (default: FORECAST with .truth.npy)")
    p.add_argument("--i3d", help="TorchScript I3D for FVD (e.g. i3d_torchscript.pt)")
    p.add_argument("--i3d-input", choices=sorted(I3D_INPUTS), default="minus1to1",
                   help="minus1to1: resize to 224x224 and scale to [-1, 1] here, call rescale=False, resize=False "
                        "(the original FVD's input); 0to255: frames x 255, call rescale=True, resize=True "
                        "(StyleGAN-V's call; UNCONFIRMED what the module does inside)")
    p.add_argument("--resize", choices=["tf1", "half-pixel"], default="tf1",
                   help="bilinear sampling grid of the resize to 224 with --i3d-input minus1to1")
    p.add_argument("--fvd-members", choices=["all", "first"], default="all",
                   help="generated videos: every member of every case, or member 0 only")
    p.add_argument("--lpips", help='"package" (the lpips pip package, AlexNet) or LPIPS linear weights (alex.pth)')
    p.add_argument("--lpips-backbone", help="torchvision AlexNet state dict, with --lpips LIN.pth")
    p.add_argument("--batch", type=int, default=8, help="videos per I3D call (LPIPS: 8 x as many frames)")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--table", action="store_true", help="a text table instead of JSON")
    p.add_argument("--out", help="write the scores here (temporary name, then renamed) instead of stdout")
    p.add_argument("--self-test", action="store_true", help="check the numerics without any weights and exit")
    return p.parse_args(argv)


def check_args(a):
    if not a.forecast:
        raise UsageError("--forecast: required (or --self-test)")
    if not a.i3d and not a.lpips:
        raise UsageError("--i3d and --lpips: give at least one (FVD needs an I3D TorchScript file, LPIPS "
                         "--lpips package or --lpips LIN.pth --lpips-backbone ALEXNET.pth)")
    if a.lpips_backbone and not a.lpips:
        raise UsageError("--lpips-backbone: only with --lpips LIN.pth")
    if not 1 <= a.batch <= 4096:
        raise UsageError(f"--batch {a.batch}: expected 1 to 4096")
    if a.device not in ("cpu", "cuda"):
        raise UsageError(f"--device {a.device}: expected cpu or cuda")
    if a.device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: PyTorch sees no CUDA device")
    if a.out:
        if os.path.isdir(a.out):
            raise UsageError(f"--out {a.out}: is a directory")
        truth = a.truth or (a.forecast[:-4] + ".truth.npy" if a.forecast.endswith(".npy") else None)
        for flag, path in (("--forecast", a.forecast), ("--truth", truth), ("--i3d", a.i3d),
                           ("--lpips", a.lpips), ("--lpips-backbone", a.lpips_backbone)):
            if path and os.path.realpath(path) == os.path.realpath(a.out):
                raise UsageError(f"--out {a.out}: is {flag}; choose another name")


MAX_GIB = 8  # the most one I3D call's input, or one case's working copies, may take


def check_sizes(a, shape):
    """Refuses, before anything is allocated, an I3D batch or a case whose working arrays exceed MAX_GIB."""
    cases, members, lead, c, h, w = shape
    pixels = 224 * 224 if a.i3d_input == "minus1to1" else h * w
    gib = a.batch * c * lead * pixels * 4 / 2 ** 30
    if a.i3d and gib > MAX_GIB:
        raise UsageError(f"--batch {a.batch}: one I3D call would take {gib:.3g} GiB of input "
                         f"({lead} frames of {c}x{224 if a.i3d_input == 'minus1to1' else h}^2); expected at most {MAX_GIB} GiB")
    gib = 4 * (members + 1) * lead * c * h * w * 8 / 2 ** 30  # LPIPS: members, their mean, the tiled truth in float64
    if gib > MAX_GIB:
        raise UsageError(f"--forecast {a.forecast}: one case of {members} members x {lead} frames of {c}x{h}x{w} "
                         f"would take {gib:.3g} GiB while scored; expected at most {MAX_GIB} GiB")


def table(r):
    lines = [f"{r['forecast']}: {r['cases']} cases, {r['members']} members, {r['lead']} leads "
             f"({100 * r['clipped_share']:.3g}% forecast values clipped to [0, 1])"]
    if "fvd" in r:
        v = r["fvd"]
        lines.append(f"FVD {v['fvd']:.6g}  ({v['real_videos']} real, {v['generated_videos']} generated videos of "
                     f"{v['frames_per_video']} frames; I3D input {v['i3d_input']}, resize {v['resize']})")
    if "lpips" in r:
        v = r["lpips"]
        lines.append(f"LPIPS ({r['lpips_network']})\nlead      mean      best  ens.mean")
        for i in range(r["lead"]):
            lines.append(f"{i + 1:4d}  " + "  ".join(f"{v[k]['per_lead'][i]:.5f}" for k in ("mean", "best", "ensemble_mean")))
        lines.append(" all  " + "  ".join(f"{v[k]['mean']:.5f}" for k in ("mean", "best", "ensemble_mean")))
    return "\n".join(lines) + "\n"


def write_output(text, out):
    if not out:
        sys.stdout.write(text)
        return
    fd, tmp = tempfile.mkstemp(prefix=".video_scores.", dir=os.path.dirname(os.path.abspath(out)))
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def run(argv):
    a = parse(argv)
    if a.self_test:
        if not self_test():
            print("video_scores self-test: the Frechet distance checks passed; PyTorch is not installed for this "
                  "Python, so the resize, LPIPS, I3D and file checks did not run (Debian: apt-get install "
                  "python3-torch)", file=sys.stderr)
            return NO_TORCH
        print("video_scores self-test: ok")
        return 0
    if torch is None:
        raise UsageError("PyTorch is not installed for this Python (Debian: apt-get install python3-torch); "
                         "the scores need it")
    check_args(a)
    f, y, truth, clipped = read_pair(a.forecast, a.truth)
    check_sizes(a, f.shape)
    r = {"forecast": a.forecast, "truth": truth, "cases": f.shape[0], "members": f.shape[1], "lead": f.shape[2],
         "frame": list(f.shape[3:]), "clipped_share": clipped}
    if a.lpips and min(f.shape[4:]) < LPIPS_MIN_SIZE:
        raise UsageError(f"--lpips: frames of {f.shape[4]}x{f.shape[5]} are too small for AlexNet's layers; "
                         f"expected at least {LPIPS_MIN_SIZE}x{LPIPS_MIN_SIZE}")
    if a.lpips:  # refuse a missing LPIPS network before the slow FVD
        lp, r["lpips_network"] = lpips_network(a.lpips, a.lpips_backbone, a.device)
    if a.i3d:
        if not os.path.isfile(a.i3d):
            raise UsageError(f"--i3d {a.i3d}: no such file")
        try:
            net = torch.jit.load(a.i3d, map_location=a.device).eval()
        except Exception as e:  # noqa: BLE001
            raise UsageError(f"--i3d {a.i3d}: not a TorchScript file ({e})") from None
        if f.shape[0] < 2:
            raise UsageError(f"--forecast {a.forecast}: FVD needs at least 2 real and 2 generated videos")
        r["fvd"] = fvd(net, f, y, a.fvd_members, a.i3d_input, a.resize, a.batch, a.device)
    if a.lpips:
        r["lpips"] = lpips_scores(lp, f, y, 8 * a.batch, a.device)
    write_output(table(r) if a.table else json.dumps(r, indent=2) + "\n", a.out)


def main(argv):
    try:
        return run(argv) or 0
    except UsageError as e:
        print(f"video_scores: {e}", file=sys.stderr)
        return 2
    except AssertionError as e:
        print(f"video_scores: self-test failed: {e}", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------------------------------------
# Self-test: closed forms and independent routes, no pretrained weights


def _expect(name, got, want, tol):
    if not abs(got - want) <= tol * max(1.0, abs(want)):
        raise AssertionError(f"{name}: got {got!r}, want {want!r} (tolerance {tol:g})")


def _expect_refused(name, fn, *words):
    try:
        fn()
    except UsageError as e:
        for w in words:
            if w not in str(e):
                raise AssertionError(f"{name}: message {str(e)!r} does not name {w!r}") from None
        return
    raise AssertionError(f"{name}: not refused")


def standin_i3d():
    """A TorchScript stand-in for the I3D file with its call convention: features [n, 9] are each
    channel's mean, min and max over frames and pixels of the input it receives, so tests can see what
    the network was given."""
    class StandIn(torch.nn.Module):
        def forward(self, x: torch.Tensor, rescale: bool = False, resize: bool = False,
                    return_features: bool = False) -> torch.Tensor:
            if rescale:
                x = x / 255.0 * 2 - 1
            if resize:
                n, c, t, h, w = x.shape
                x = F.interpolate(x, size=(t, 224, 224), mode="trilinear", align_corners=False)
            flat = x.flatten(2)
            return torch.cat([flat.mean(2), flat.min(2)[0], flat.max(2)[0]], 1)
    return torch.jit.script(StandIn())


def _self_test_frechet():
    rng = np.random.default_rng(1)
    d = 6
    a = rng.normal(size=(d, d))
    s = a @ a.T + 0.1 * np.eye(d)
    mu = rng.normal(size=d)
    _expect("equal Gaussians", frechet_distance(mu, s, mu, s), 0.0, 1e-9)
    va, vb = rng.uniform(0.1, 3, d), rng.uniform(0.1, 3, d)
    mb = rng.normal(size=d)
    want = float(((np.sqrt(va) - np.sqrt(vb)) ** 2).sum() + ((mu - mb) ** 2).sum())
    _expect("diagonal covariances", frechet_distance(mu, np.diag(va), mb, np.diag(vb)), want, 1e-10)
    for seed in range(3):
        r = np.random.default_rng(10 + seed)
        a, b = r.normal(size=(d, d)), r.normal(size=(d, d))
        s1, s2 = a @ a.T + 0.05 * np.eye(d), b @ b.T + 0.05 * np.eye(d)
        m1, m2 = r.normal(size=d), r.normal(size=d)
        _expect(f"random SPD pair {seed} (eigen vs sqrtm)", frechet_distance(m1, s1, m2, s2),
                frechet_distance_sqrtm(m1, s1, m2, s2), 1e-8)
    # Sample covariances of fewer samples than dimensions are singular: the result stays real and finite.
    x, y = rng.normal(size=(4, 10)), rng.normal(size=(5, 10)) + 1
    v = frechet_distance(*gaussian_stats(x), *gaussian_stats(y))
    if not (np.isfinite(v) and v > 0):
        raise AssertionError(f"rank-deficient covariances: {v}")
    # Scalar case by hand: N(0, 4) and N(1, 1): 1 + (2 - 1)^2 = 2.
    _expect("scalar", frechet_distance([0.0], [[4.0]], [1.0], [[1.0]]), 2.0, 1e-12)


def _self_test_resize():
    r = resize_matrix(2, 4, "tf1")  # samples 0, 0.5, 1, 1.5 (clamped to the last pixel)
    want = np.array([[1, 0], [0.5, 0.5], [0, 1], [0, 1]])
    if not np.allclose(r, want):
        raise AssertionError(f"tf1 resize matrix {r.tolist()}, want {want.tolist()}")
    img = torch.from_numpy(np.random.default_rng(2).uniform(size=(1, 1, 7, 5)))
    for n_out in ((224, 224), (3, 11)):
        ours = torch.from_numpy(resize_matrix(7, n_out[0], "half-pixel")) @ img[0, 0] @ torch.from_numpy(resize_matrix(5, n_out[1], "half-pixel")).T
        ref = F.interpolate(img, size=n_out, mode="bilinear", align_corners=False)[0, 0]
        if not torch.allclose(ours, ref, atol=1e-12):
            raise AssertionError(f"half-pixel resize to {n_out} differs from torch.interpolate by {(ours - ref).abs().max():.3g}")


def _self_test_lpips():
    # By hand: one layer, two channels, two pixels. x features (3, 4) at pixel 0 and (1, 0) at pixel 1;
    # y features (0, 2) and (1, 0). Unit-normalised: (0.6, 0.8) vs (0, 1), then equal. Weights (2, 0.5):
    # pixel 0 gives 2 * 0.36 + 0.5 * 0.04 = 0.74, pixel 1 gives 0; mean 0.37.
    fx = [torch.tensor([[[[3.0, 1.0]], [[4.0, 0.0]]]], dtype=torch.float64)]
    fy = [torch.tensor([[[[0.0, 1.0]], [[2.0, 0.0]]]], dtype=torch.float64)]
    _expect("LPIPS by hand", float(lpips_from_features(fx, fy, [torch.tensor([2.0, 0.5], dtype=torch.float64)])[0]), 0.37, 1e-9)
    # AlexLPIPS with random stand-in weights, against a NumPy loop over pixels of the same features.
    g = torch.Generator().manual_seed(3)
    chans, sizes = (64, 192, 384, 256, 256), (11, 5, 3, 3, 3)
    backbone, lin, cin = {}, {}, 3
    for k, (idx, c, s) in enumerate(zip((0, 3, 6, 8, 10), chans, sizes)):
        backbone[f"features.{idx}.weight"] = torch.randn(c, cin, s, s, generator=g) * (2 / (cin * s * s)) ** 0.5
        backbone[f"features.{idx}.bias"] = torch.randn(c, generator=g) * 0.1
        lin[f"lin{k}.model.1.weight"] = torch.rand(1, c, 1, 1, generator=g)
        cin = c
    with tempfile.TemporaryDirectory() as tmp:
        bp, lp = os.path.join(tmp, "alexnet.pth"), os.path.join(tmp, "alex.pth")
        torch.save(backbone, bp)
        torch.save(lin, lp)
        net, _ = lpips_network(lp, bp, "cpu")
        _expect_refused("LPIPS without a backbone", lambda: lpips_network(lp, None, "cpu"), "--lpips-backbone")
        _expect_refused("LPIPS backbone of another network", lambda: AlexLPIPS({}, lin), "--lpips-backbone", "features.0")
        _expect_refused("LPIPS missing file", lambda: lpips_network(lp, os.path.join(tmp, "none.pth"), "cpu"), "--lpips-backbone", "no such file")
    x = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1
    y = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1
    got = net(x, y).double().numpy()
    feats = [(a.double().numpy(), b.double().numpy()) for a, b in zip(net.features(x), net.features(y))]
    want = np.zeros(2)
    for (a, b), w in zip(feats, net.weights):
        w = w.double().numpy()
        for n in range(2):
            for i in range(a.shape[2]):
                for j in range(a.shape[3]):
                    u = a[n, :, i, j] / (np.sqrt((a[n, :, i, j] ** 2).sum()) + 1e-10)
                    v = b[n, :, i, j] / (np.sqrt((b[n, :, i, j] ** 2).sum()) + 1e-10)
                    want[n] += (w * (u - v) ** 2).sum() / (a.shape[2] * a.shape[3])
    for n in range(2):
        _expect(f"AlexLPIPS stand-in, image {n}", float(got[n]), float(want[n]), 1e-5)
    if [tuple(t.shape[1:]) for t in net.features(x)] != [(64, 15, 15), (192, 7, 7), (384, 3, 3), (256, 3, 3), (256, 3, 3)]:
        raise AssertionError(f"AlexNet feature shapes {[tuple(t.shape) for t in net.features(x)]}")
    _expect("LPIPS(x, x)", float(net(x, x).abs().max()), 0.0, 1e-12)
    # conv1's output at pixel (2, 3) by a loop: LPIPS' input scaling of [-1, 1] images (written out here),
    # then AlexNet's 11x11 stride-4 convolution, padding 2, and ReLU.
    xs = (x[1].double().numpy() - np.array([-0.030, -0.088, -0.188])[:, None, None]) / np.array([0.458, 0.448, 0.450])[:, None, None]
    xs = np.pad(xs, ((0, 0), (2, 2), (2, 2)))
    w0, b0 = backbone["features.0.weight"].double().numpy(), backbone["features.0.bias"].double().numpy()
    want = np.maximum((w0 * xs[None, :, 8:19, 12:23]).sum((1, 2, 3)) + b0, 0)
    got = net.features(x)[0][1, :, 2, 3].double().numpy()
    if not np.allclose(got, want, atol=1e-4):
        raise AssertionError(f"AlexNet conv1 by a loop differs by {np.abs(got - want).max():.3g}")
    return net


def _self_test_files(lp_net):
    rng = np.random.default_rng(4)
    cases, members, lead, h = 3, 2, 4, 32
    y = rng.uniform(0.1, 0.8, size=(cases, lead, 3, h, h)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        fp, tp = os.path.join(tmp, "fc.npy"), os.path.join(tmp, "fc.truth.npy")
        np.save(tp, y)
        np.save(fp, np.stack([y + 0.1, y + 0.15], 1))
        f2, y2, truth, clipped = read_pair(fp)
        if truth != tp or f2.shape != (cases, members, lead, 3, h, h) or not np.array_equal(y2, y) or clipped != 0:
            raise AssertionError(f"read_pair: truth {truth}, shape {f2.shape}, clipped {clipped}")
        # FVD through the stand-in I3D: member 0 is the truth shifted by 0.1, 0.2 in [-1, 1]; the resize
        # keeps a constant shift, so only the three channel means, minima and maxima move by 0.2 and the
        # covariances are equal: FVD = 9 * 0.2^2.
        net = standin_i3d()
        for conv in I3D_INPUTS:
            for batch in (1, 2, 8):
                r = fvd(net, f2, y2, "first", conv, batch=batch)
                _expect(f"FVD of a shifted forecast ({conv}, batch {batch})", r["fvd"], 9 * 0.04, 1e-4)
        r = fvd(net, f2, y2, "all", batch=3)
        if r["real_videos"] != cases or r["generated_videos"] != cases * members or r["feature_dim"] != 9:
            raise AssertionError(f"FVD counts {r}")
        x = i3d_input(torch.from_numpy(y[:2]), "minus1to1")
        if tuple(x.shape) != (2, 3, lead, 224, 224) or float(x.min()) < -1 or float(x.max()) > 1:
            raise AssertionError(f"I3D input {tuple(x.shape)} in [{float(x.min())}, {float(x.max())}]")
        _expect("I3D input: a pixel's value in [-1, 1]", float(x[1, 2, 3, 0, 0]), 2 * float(y[1, 3, 2, 0, 0]) - 1, 1e-6)
        _expect("FVD of the truth against itself", fvd(net, y2[:, None], y2, "first")["fvd"], 0.0, 1e-9)
        # LPIPS per lead against the network called on single frames: members shifted by 0.1 and 0.15,
        # their mean by 0.125.
        s = lpips_scores(lp_net, f2, y2, batch=5)
        one = lambda a, b: float(lp_net(torch.from_numpy(a[None] * 2 - 1), torch.from_numpy(b[None] * 2 - 1))[0])  # noqa: E731
        for l in range(lead):
            v = np.array([[one(y[c, l] + sh, y[c, l]) for sh in (0.1, 0.15, 0.125)] for c in range(cases)])
            _expect(f"LPIPS mean over members, lead {l}", s["mean"]["per_lead"][l], v[:, :2].mean(), 1e-5)
            _expect(f"LPIPS best member, lead {l}", s["best"]["per_lead"][l], v[:, :2].min(1).mean(), 1e-5)
            _expect(f"LPIPS of the member mean, lead {l}", s["ensemble_mean"]["per_lead"][l], v[:, 2].mean(), 1e-5)
        # Hostile inputs, each refused with the argument named.
        bad = os.path.join(tmp, "bad.npy")
        np.save(bad, y[:2, None])
        _expect_refused("truth of another shape", lambda: read_pair(bad, tp), "--truth", "does not match")
        np.save(os.path.join(tmp, "r5.npy"), y)
        _expect_refused("forecast of rank 5", lambda: read_pair(os.path.join(tmp, "r5.npy"), tp), "--forecast", "[cases, members")
        nan = np.stack([y, y], 1)
        nan[1, 0, 2, 0, 3, 3] = np.nan
        np.save(bad, nan)
        _expect_refused("NaN forecast", lambda: read_pair(bad, tp), "--forecast", "case 1", "NaN")
        np.save(bad, np.stack([y, y], 1) * 255)
        _expect_refused("0..255 forecast", lambda: read_pair(bad, tp), "--forecast", "[0, 1]")
        np.save(os.path.join(tmp, "t255.npy"), y * 255)
        _expect_refused("0..255 truth", lambda: read_pair(fp, os.path.join(tmp, "t255.npy")), "--truth", "[0, 1]")
        _expect_refused("missing truth", lambda: read_pair(os.path.join(tmp, "r5.npy")), "--truth", "no such file")
        with open(bad, "w") as fh:
            fh.write("not an npy")
        _expect_refused("not NPY", lambda: read_pair(bad, tp), "--forecast", "NPY")
        np.save(bad, np.stack([y, y], 1).astype(np.int32))
        _expect_refused("integer forecast", lambda: read_pair(bad, tp), "--forecast", "float32")
        # The command line: JSON written under --out, the inputs untouched, --out over an input refused.
        ip = os.path.join(tmp, "standin.pt")
        net.save(ip)
        before = [open(p, "rb").read() for p in (fp, tp)]
        out = os.path.join(tmp, "scores.json")
        run(["--forecast", fp, "--i3d", ip, "--fvd-members", "first", "--out", out])
        r = json.load(open(out))
        _expect("FVD through the command line", r["fvd"]["fvd"], 0.36, 1e-4)
        if [open(p, "rb").read() for p in (fp, tp)] != before:
            raise AssertionError("the inputs changed")
        if [n for n in os.listdir(tmp) if n.startswith(".video_scores.")]:
            raise AssertionError("a temporary output file was left behind")
        _expect_refused("--out over the truth", lambda: run(["--forecast", fp, "--i3d", ip, "--out", tp]), "--out", "--truth")
        _expect_refused("no network", lambda: run(["--forecast", fp]), "--i3d", "--lpips")
        _expect_refused("missing --i3d", lambda: run(["--forecast", fp, "--i3d", bad + ".pt"]), "--i3d", "no such file")
        _expect_refused("--i3d not TorchScript", lambda: run(["--forecast", fp, "--i3d", bad]), "--i3d", "TorchScript")
        _expect_refused("--batch of 64 GiB", lambda: run(["--forecast", fp, "--i3d", ip, "--batch", "4000"]), "--batch 4000", "GiB")
        _expect_refused("--device", lambda: run(["--forecast", fp, "--i3d", ip, "--device", "tpu"]), "--device tpu")
        _expect_refused("--lpips-backbone alone", lambda: run(["--forecast", fp, "--i3d", ip, "--lpips-backbone", ip]), "--lpips-backbone")
        _expect_refused("missing --forecast", lambda: run(["--i3d", ip]), "--forecast")
        _expect_refused("--forecast missing file", lambda: run(["--forecast", fp + ".none.npy", "--i3d", ip]), "--forecast", "no such file")
        _expect_refused("--batch 0", lambda: run(["--forecast", fp, "--i3d", ip, "--batch", "0"]), "--batch")
        np.save(os.path.join(tmp, "one.npy"), y[:1, None])
        np.save(os.path.join(tmp, "one.truth.npy"), y[:1])
        np.save(os.path.join(tmp, "small.npy"), np.stack([y[..., :8, :8]] * 2, 1))
        np.save(os.path.join(tmp, "small.truth.npy"), y[..., :8, :8])
        _expect_refused("frames too small for AlexNet", lambda: run(["--forecast", os.path.join(tmp, "small.npy"), "--lpips", "package"]),
                        "--lpips", "8x8")
        _expect_refused("one video", lambda: run(["--forecast", os.path.join(tmp, "one.npy"), "--i3d", ip]), "--forecast", "2 real")
        try:
            import lpips  # noqa: F401,PLC0415
        except ImportError:
            _expect_refused("--lpips package without the package", lambda: lpips_network("package", None, "cpu"),
                            "--lpips package", "pip install lpips")
            _self_test_lpips_package(f2, y2)


def _self_test_lpips_package(f, y):
    """--lpips package with a stand-in lpips module (the package is not installed): the script asks for
    net='alex' and passes frame batches in [-1, 1]; a stand-in LPIPS of mean |x - y| / 2 then gives the
    mean absolute error in [0, 1] units."""
    import types  # noqa: PLC0415
    seen = []

    class LPIPS(torch.nn.Module):
        def __init__(self, net, verbose=True):
            super().__init__()
            seen.append(net)

        def forward(self, a, b):
            seen.append((float(a.min()), float(a.max())))
            return ((a - b).abs() / 2).mean((1, 2, 3)).reshape(-1, 1, 1, 1)

    sys.modules["lpips"] = types.SimpleNamespace(LPIPS=LPIPS)
    try:
        net, _ = lpips_network("package", None, "cpu")
        s = lpips_scores(net, f, y)
    finally:
        del sys.modules["lpips"]
    if seen[0] != "alex" or min(lo for lo, _ in seen[1:]) < -1 or max(hi for _, hi in seen[1:]) > 1:
        raise AssertionError(f"lpips package called with {seen[:3]}")
    want = np.abs(np.clip(np.asarray(f, np.float64), 0, 1) - np.asarray(y, np.float64)[:, None]).mean((0, 1, 3, 4, 5))
    for l, w in enumerate(want):
        _expect(f"--lpips package, lead {l}", s["mean"]["per_lead"][l], w, 1e-6)


def self_test():
    """Raises AssertionError naming the first check that fails; returns False when PyTorch is missing and
    only the Frechet distance (NumPy and SciPy) was checked."""
    _self_test_frechet()
    if torch is None:
        return False
    _self_test_resize()
    _self_test_files(_self_test_lpips())
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
