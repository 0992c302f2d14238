#!/usr/bin/env python3
"""PyTorch reference for `tidal bench train-step`.

Times AdamW training steps of the same UNet as tidal's nets.BenchConfig, with the same batch, sizes and
thread count, in PyTorch eager mode (and with torch.compile where the installed PyTorch has it), on the
CPU. The network, layer by layer (see nets/unet.go):

  conv_in 3x3 (3 -> C); encoder levels with multipliers (1, 2, 2), 2 residual blocks each, 2x2 average
  pooling between levels; middle: block, self-attention (1 head), block; decoder: 3 blocks per level
  on the input concatenated with the skips, nearest-neighbour 2x upsampling between levels; out:
  GroupNorm -> SiLU -> 3x3 conv (zero-initialised) to 1 channel.
  Residual block: GN -> SiLU -> conv3x3, + Linear(emb) per channel, GN -> SiLU -> conv3x3, 1x1 skip when
  the channels change. Group norm: 32 groups (fewer if fewer channels), eps 1e-6. Noise embedding:
  sinusoidal [cos, sin] of C features -> Linear(C, 4C) -> SiLU -> Linear(4C, 4C) -> SiLU.

The step: loss = mean((net(x, sigma, cond) - target)^2), backward, AdamW(lr 1e-4, weight decay 0.01).
It prints one line per case: "B S C params eager_ms compiled_ms" (compiled_ms is "-" without
torch.compile). It is not part of `make test`.

--model dydiff-unet times instead the step of `tidal train dydiff` with its default network (see
bench_dydiff), the PyTorch side of `tidal bench train-step --torch`; dydiff-video with nets.VideoUNet
(--net video) and dydiff-series with nets.SeriesNet on S² series (--net series; --channels is ignored); --device cuda runs either on the GPU
(each step ends with torch.cuda.synchronize()).

Usage: python3 scripts/torch_trainstep.py [--threads N] [--batch 16] [--sizes 32,64] [--channels 32,64]
       [--steps 5] [--no-compile] [--model bench-unet|dydiff-unet|dydiff-video|dydiff-series] [--device cpu|cuda]
       [--context 2] [--predict 2]
"""
import argparse
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def groups(c):
    return min(32, c)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb, pad="zeros"):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups(cin), cin, eps=1e-6)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, padding_mode=pad)
        self.emb = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(groups(cout), cout, eps=1e-6)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, padding_mode=pad)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.skip(x) if self.skip is not None else x) + h


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.GroupNorm(groups(c), c, eps=1e-6)
        self.q, self.k, self.v = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.proj = nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        b, c, hh, ww = x.shape
        h = self.norm(x)
        q, k, v = (m(h).reshape(b, c, hh * ww) for m in (self.q, self.k, self.v))
        w = torch.softmax(torch.einsum("bci,bcj->bij", q, k) / math.sqrt(c), dim=-1)
        out = torch.einsum("bij,bcj->bci", w, v).reshape(b, c, hh, ww)
        return x + self.proj(out)


class UNet(nn.Module):
    def __init__(self, cin=3, cout=1, ch=32, mults=(1, 2, 2), blocks=2, pad="zeros", head="norm"):
        super().__init__()
        emb = 4 * ch
        self.ch = ch
        self.embed0, self.embed1 = nn.Linear(ch, emb), nn.Linear(emb, emb)
        self.conv_in = nn.Conv2d(cin, ch * mults[0], 3, padding=1, padding_mode=pad)
        self.enc = nn.ModuleList()
        skips = [ch * mults[0]]
        cur = ch * mults[0]
        self.levels = {}  # id(module) -> its level (0 = full resolution), for the video network's hooks
        for level, m in enumerate(mults):
            if level > 0:
                self.enc.append(nn.AvgPool2d(2))
                skips.append(cur)
            for _ in range(blocks):
                self.enc.append(ResBlock(cur, ch * m, emb, pad))
                self.levels[id(self.enc[-1])] = level
                cur = ch * m
                skips.append(cur)
        self.mid = nn.ModuleList([ResBlock(cur, cur, emb, pad), Attention(cur), ResBlock(cur, cur, emb, pad)])
        for mm in self.mid:
            self.levels[id(mm)] = len(mults) - 1
        self.dec = nn.ModuleList()
        for level in reversed(range(len(mults))):
            for _ in range(blocks + 1):
                self.dec.append(ResBlock(cur + skips.pop(), ch * mults[level], emb, pad))
                self.levels[id(self.dec[-1])] = level
                cur = ch * mults[level]
            if level > 0:
                self.dec.append(nn.Upsample(scale_factor=2, mode="nearest"))
        self.out_norm = nn.GroupNorm(groups(cur), cur, eps=1e-6) if head == "norm" else None
        self.out_conv = nn.Conv2d(cur, cout, 3, padding=1, padding_mode=pad)
        nn.init.zeros_(self.out_conv.weight)
        nn.init.zeros_(self.out_conv.bias)

    def embedding(self, t):
        half = self.ch // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        args = t[:, None] * freqs[None, :]
        e = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
        return F.silu(self.embed1(F.silu(self.embed0(e))))

    def after(self, m, h, emb):
        """The hook after each block: the identity here, temporal mixing in VideoUNet."""
        return h

    def forward(self, x, t, cond):
        emb = self.embedding(t)
        h = self.conv_in(torch.cat([x, cond], dim=1))
        skips = [h]
        for m in self.enc:
            h = self.after(m, m(h, emb), emb) if isinstance(m, ResBlock) else m(h)
            skips.append(h)
        for m in self.mid:
            h = self.after(m, m(h, emb) if isinstance(m, ResBlock) else m(h), emb)
        for m in self.dec:
            if isinstance(m, ResBlock):
                h = self.after(m, m(torch.cat([h, skips.pop()], dim=1), emb), emb)
            else:
                h = m(h)
        if self.out_norm is None:  # the linear head: the 3x3 conv alone
            return self.out_conv(h)
        return self.out_conv(F.silu(self.out_norm(h)))


def sinusoidal(x, n):
    half = n // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=x.device) / half)
    args = x[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class TemporalBlock(nn.Module):
    """nets.VideoUNet's temporal residual block: z = Tconv(SiLU(GN(Tconv(SiLU(GN(h))) + Linear(emb)))), the
    first temporal convolution (taps along the frames) without bias, the second zero-initialised, merged
    as h + (1 - sigmoid(mix)) z."""

    def __init__(self, c, emb, frames, taps=3):
        super().__init__()
        self.frames = frames
        self.norm1 = nn.GroupNorm(groups(c), c, eps=1e-6)
        self.conv1 = nn.Conv3d(c, c, (taps, 1, 1), padding=(taps // 2, 0, 0), bias=False)
        self.emb = nn.Linear(emb, c)
        self.norm2 = nn.GroupNorm(groups(c), c, eps=1e-6)
        self.conv2 = nn.Conv3d(c, c, (taps, 1, 1), padding=(taps // 2, 0, 0))
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.mix = nn.Parameter(torch.tensor(0.5))

    def tconv(self, conv, z):  # [b*L, C, H, W] -> along the frames -> [b*L, C, H, W]
        bl, c, hh, ww = z.shape
        z = z.reshape(bl // self.frames, self.frames, c, hh, ww).transpose(1, 2)
        z = conv(z).transpose(1, 2)
        return z.reshape(bl, c, hh, ww)

    def forward(self, h, emb):
        z = self.tconv(self.conv1, F.silu(self.norm1(h))) + self.emb(emb)[:, :, None, None]
        z = self.tconv(self.conv2, F.silu(self.norm2(z)))
        return h + (1 - torch.sigmoid(self.mix)) * z


class TemporalAttention(nn.Module):
    """nets.VideoUNet's temporal attention: per pixel, attention over the frames of GN(h) plus a frame
    embedding (Linear of the frame index's sinusoidal features), projected by a zero-initialised 1x1 conv,
    merged as h + (1 - sigmoid(mix)) z."""

    def __init__(self, c, ch, frames):
        super().__init__()
        self.frames, self.ch = frames, ch
        self.norm = nn.GroupNorm(groups(c), c, eps=1e-6)
        self.frame_embed = nn.Linear(ch, c)
        self.q, self.k, self.v = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.proj = nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)
        self.mix = nn.Parameter(torch.tensor(0.5))

    def forward(self, h):
        bl, c, hh, ww = h.shape
        L, b = self.frames, bl // self.frames
        pe = self.frame_embed(sinusoidal(torch.arange(L, dtype=torch.float32, device=h.device), self.ch))  # [L, C]
        x = self.norm(h) + pe.repeat(b, 1)[:, :, None, None]

        def frames(y):  # [b*L, C, H, W] -> [b*H*W, L, C]
            return y.reshape(b, L, c, hh * ww).permute(0, 3, 1, 2).reshape(b * hh * ww, L, c)
        q, k, v = frames(self.q(x)), frames(self.k(x)), frames(self.v(x))
        w = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1)
        o = (w @ v).reshape(b, hh * ww, L, c).permute(0, 2, 3, 1).reshape(bl, c, hh, ww)
        return h + (1 - torch.sigmoid(self.mix)) * self.proj(o)


class VideoUNet(UNet):
    """nets.VideoUNet as `tidal train dydiff --net video` builds it: the UNet per frame (2C + 2 channels in,
    C out) with a temporal block after every residual block and temporal attention after the coarsest
    level's attention."""

    def __init__(self, frames, c=1, ch=32, mults=(1, 2, 2), blocks=2, pad="circular", head="linear"):
        super().__init__(cin=2 * c + 2, cout=c, ch=ch, mults=mults, blocks=blocks, pad=pad, head=head)
        self.temporal = nn.ModuleDict()
        for m in list(self.enc) + list(self.mid) + list(self.dec):
            if isinstance(m, ResBlock):
                self.temporal[str(id(m))] = TemporalBlock(m.conv2.out_channels, 4 * ch, frames)
            elif isinstance(m, Attention):
                self.temporal[str(id(m))] = TemporalAttention(m.q.out_channels, ch, frames)

    def after(self, m, h, emb):
        t = self.temporal[str(id(m))] if str(id(m)) in self.temporal else None
        if t is None:
            return h
        return t(h, emb) if isinstance(t, TemporalBlock) else t(h)


class SeriesBlock(nn.Module):
    """One block of nets.SeriesNet: the residual temporal convolution (dilation d) with the step embedding,
    then the residual induced attention across the series."""

    def __init__(self, c, e, taps, dilation, rank):
        super().__init__()
        self.taps, self.dilation, self.c = taps, dilation, c
        self.time_norm = nn.LayerNorm(c, eps=1e-5)
        self.time_conv = nn.Linear(taps * c, c)
        self.time_emb = nn.Linear(e, c)
        self.time_proj = nn.Linear(c, c)
        self.series_norm = nn.LayerNorm(c, eps=1e-5)
        self.inducing = nn.Parameter(torch.randn(rank, c))
        self.k1, self.v1, self.q2, self.k2, self.v2 = (nn.Linear(c, c) for _ in range(5))
        self.series_proj = nn.Linear(c, c)
        for m in (self.time_proj, self.series_proj):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, h, e):
        B, L, N, C = h.shape
        u = F.silu(self.time_norm(h))
        p = (self.taps - 1) // 2 * self.dilation
        pad = torch.zeros(B, p, N, C, device=h.device, dtype=h.dtype)
        padded = torch.cat([pad, u, pad], dim=1)
        u = torch.cat([padded[:, j * self.dilation:j * self.dilation + L] for j in range(self.taps)], dim=3)
        u = self.time_conv(u) + self.time_emb(e)[:, None, None, :]
        h = h + self.time_proj(F.silu(u))
        u = self.series_norm(h)
        scale = 1 / math.sqrt(C)
        p1 = torch.softmax(self.k1(u) @ self.inducing.t() * scale, dim=2)  # [B, L, N, r], over the series
        summary = p1.transpose(2, 3) @ self.v1(u)  # [B, L, r, C]
        p2 = torch.softmax(self.q2(u) @ self.k2(summary).transpose(2, 3) * scale, dim=3)  # [B, L, N, r]
        return h + self.series_proj(p2 @ self.v2(summary))


class SeriesNet(nn.Module):
    """nets.SeriesNet (3 taps, dilations 1, 2, 4, ..., 8 inducing points, the log scale as a fifth input
    feature); bench_dydiff builds it as `tidal train dydiff` does for series: 16 channels and 2 blocks
    (dymodel.SeriesDefaultChannels and SeriesDefaultBlocks)."""

    def __init__(self, c=32, blocks=4, taps=3, rank=8, cin=5):
        super().__init__()
        e = 4 * c
        self.c = c
        self.embed0, self.embed1 = nn.Linear(c, e), nn.Linear(e, e)
        self.input = nn.Linear(cin, c)
        self.blocks = nn.ModuleList(SeriesBlock(c, e, taps, 2 ** i, rank) for i in range(blocks))
        self.out_norm = nn.LayerNorm(c, eps=1e-5)
        self.out = nn.Linear(c, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, feats, t):
        e = F.silu(self.embed1(F.silu(self.embed0(sinusoidal(t, self.c)))))
        h = self.input(feats)
        for b in self.blocks:
            h = b(h, e)
        return self.out(F.silu(self.out_norm(h)))[..., 0]


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_steps(step, steps, device="cpu"):
    for _ in range(2):  # warm-up (and compilation)
        step()
    sync(device)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(batch, size, ch, steps, compile_):
    torch.manual_seed(0)
    net = UNet(ch=ch)
    params = sum(p.numel() for p in net.parameters())
    x, cond, target = torch.randn(batch, 1, size, size), torch.randn(batch, 2, size, size), torch.randn(batch, 1, size, size)
    t = torch.linspace(-0.5, 0.5, batch)

    def make_step(model):
        opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01, eps=1e-7)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.mse_loss(model(x, t, cond), target)
            loss.backward()
            opt.step()
        return step

    eager = time_steps(make_step(net), steps)
    compiled = None
    if compile_ and hasattr(torch, "compile"):
        compiled = time_steps(make_step(torch.compile(net)), steps)
    return params, eager, compiled


def bench_dydiff(batch, size, ch, steps, compile_, device, context, predict, video=False, series=False):
    """The step of `tidal train dydiff` with its default flags (--net unet), as far as PyTorch eager
    mirrors it: the UNet on the window's L = context + predict frames (one channel) stacked as channels,
    with the clean context frames, zeros and two masks per frame (2L + 2L channels in, L out), periodic
    padding, the linear head; EDM's preconditioned loss (sigma_data 1, ln sigma ~ N(-1.2, 1.2^2)) on the
    window; AdamW (lr 1e-3, eps 1e-8, weight decay 0.01 on tensors of rank > 1 only); an EMA of the
    weights. Fields (not series) also get tidal's context noise (N(0, 0.05^2) added to the observed
    frames) and the gradient norm clipped to 1. (DyDiff's dynamics, elementwise mixing of the frames, is
    left out: it is cheap.)"""
    torch.manual_seed(0)
    L, P = context + predict, context
    if series:
        net = SeriesNet(c=16, blocks=2).to(device)
    elif video:
        net = VideoUNet(L, ch=ch).to(device)
    else:
        net = UNet(cin=2 * L + 2 * L, cout=L, ch=ch, pad="circular", head="linear").to(device)
    params = sum(p.numel() for p in net.parameters())
    n = size * size  # series: S² series
    y = torch.randn(batch, L, n, device=device) if series else torch.randn(batch, L, size, size, device=device)
    masks = torch.zeros(batch, 2 * L, *y.shape[2:], device=device)
    for f in range(L):
        if f < P:
            masks[:, 2 * f] = 1
        if f == P:
            masks[:, 2 * f + 1] = 1
    cond = torch.cat([y[:, :P], torch.zeros(batch, L - P, *y.shape[2:], device=device)], dim=1)
    logscale = torch.zeros(batch, L, n, device=device)
    sd = 1.0

    def make_step(model):
        decay = [p for p in net.parameters() if p.dim() > 1]
        other = [p for p in net.parameters() if p.dim() <= 1]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}],
                                lr=1e-3, eps=1e-8)
        ema = [p.detach().clone() for p in net.parameters()]
        beta = 0.999

        def step():
            opt.zero_grad(set_to_none=True)
            sigma = torch.exp(torch.randn(batch, device=device) * 1.2 - 1.2).reshape(batch, *([1] * (y.dim() - 1)))
            xn = y + torch.randn_like(y) * sigma
            c_skip = sd ** 2 / (sigma ** 2 + sd ** 2)
            c_out = sigma * sd / torch.sqrt(sigma ** 2 + sd ** 2)
            c_in = 1 / torch.sqrt(sigma ** 2 + sd ** 2)
            c_noise = torch.log(sigma.flatten()) / 4
            ctx = cond if series else cond + 0.05 * torch.randn_like(cond) * masks[:, 0::2]
            if series:  # the tokens' features: x_t, context, mask, first-step flag, log scale
                feats = torch.stack([c_in * xn, ctx, masks[:, 0::2], masks[:, 1::2], logscale], dim=3)
                out = model(feats, c_noise)
            elif video:  # the frames folded into the batch, each with its 4 channels (nets.VideoInput)
                x = torch.stack([c_in * xn, ctx, masks[:, 0::2], masks[:, 1::2]], dim=2).reshape(batch * L, 4, size, size)
                out = model(x[:, :1], c_noise.repeat_interleave(L), x[:, 1:]).reshape(batch, L, size, size)
            else:
                out = model(torch.cat([c_in * xn, ctx], dim=1), c_noise, masks)
            weight = (sigma ** 2 + sd ** 2) / (sigma * sd) ** 2
            loss = (weight * (c_skip * xn + c_out * out - y) ** 2).mean()
            loss.backward()
            if not series:
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            with torch.no_grad():
                ps = [p.detach() for p in net.parameters()]
                torch._foreach_mul_(ema, beta)
                torch._foreach_add_(ema, ps, alpha=1 - beta)
        return step

    eager = time_steps(make_step(net), steps, device)
    compiled = None
    if compile_ and hasattr(torch, "compile"):
        compiled = time_steps(make_step(torch.compile(net)), steps, device)
    return params, eager, compiled


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: PyTorch's default)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--sizes", default="32,64")
    ap.add_argument("--channels", default="32,64")
    ap.add_argument("--steps", type=int, default=5, help="timed steps per case (median)")
    ap.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    ap.add_argument("--model", default="bench-unet", choices=["bench-unet", "dydiff-unet", "dydiff-video", "dydiff-series"],
                    help="bench-unet: netbench.Config's UNet and an MSE step; dydiff-unet: the step of tidal train dydiff (bench_dydiff)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--context", type=int, default=2, help="dydiff-unet: observed frames per window")
    ap.add_argument("--predict", type=int, default=2, help="dydiff-unet: predicted frames per window")
    a = ap.parse_args()
    if a.device.startswith("cuda") and not torch.cuda.is_available():
        print("torch_trainstep.py: --device cuda but torch.cuda.is_available() is false", file=sys.stderr)
        return 1
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    print(f"# torch {torch.__version__}, {a.device}, {torch.get_num_threads()} threads, torch.compile "
          f"{'available' if hasattr(torch, 'compile') else 'not available'}", flush=True)
    for s in (int(v) for v in a.sizes.split(",")):
        for c in (int(v) for v in a.channels.split(",")):
            if a.model.startswith("dydiff-"):
                params, eager, compiled = bench_dydiff(a.batch, s, c, a.steps, not a.no_compile, a.device, a.context, a.predict,
                                                       video=a.model == "dydiff-video", series=a.model == "dydiff-series")
            else:
                params, eager, compiled = bench(a.batch, s, c, a.steps, not a.no_compile)
            comp = f"{compiled * 1e3:.1f}" if compiled is not None else "-"
            print(f"{a.batch} {s} {c} {params} {eager * 1e3:.1f} {comp}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
