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
bench_dydiff), the PyTorch side of `tidal bench train-step --torch`; --device cuda runs either on the GPU
(each step ends with torch.cuda.synchronize()).

Usage: python3 scripts/torch_trainstep.py [--threads N] [--batch 16] [--sizes 32,64] [--channels 32,64]
       [--steps 5] [--no-compile] [--model bench-unet|dydiff-unet] [--device cpu|cuda]
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
        for level, m in enumerate(mults):
            if level > 0:
                self.enc.append(nn.AvgPool2d(2))
                skips.append(cur)
            for _ in range(blocks):
                self.enc.append(ResBlock(cur, ch * m, emb, pad))
                cur = ch * m
                skips.append(cur)
        self.mid = nn.ModuleList([ResBlock(cur, cur, emb, pad), Attention(cur), ResBlock(cur, cur, emb, pad)])
        self.dec = nn.ModuleList()
        for level in reversed(range(len(mults))):
            for _ in range(blocks + 1):
                self.dec.append(ResBlock(cur + skips.pop(), ch * mults[level], emb, pad))
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

    def forward(self, x, t, cond):
        emb = self.embedding(t)
        h = self.conv_in(torch.cat([x, cond], dim=1))
        skips = [h]
        for m in self.enc:
            h = m(h, emb) if isinstance(m, ResBlock) else m(h)
            skips.append(h)
        for m in self.mid:
            h = m(h, emb) if isinstance(m, ResBlock) else m(h)
        for m in self.dec:
            if isinstance(m, ResBlock):
                h = m(torch.cat([h, skips.pop()], dim=1), emb)
            else:
                h = m(h)
        if self.out_norm is None:  # the linear head: the 3x3 conv alone
            return self.out_conv(h)
        return self.out_conv(F.silu(self.out_norm(h)))


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


def bench_dydiff(batch, size, ch, steps, compile_, device, context, predict):
    """The step of `tidal train dydiff` with its default flags (--net unet), as far as PyTorch eager
    mirrors it: the UNet on the window's L = context + predict frames (one channel) stacked as channels,
    with the clean context frames, zeros and two masks per frame (2L + 2L channels in, L out), periodic
    padding, the linear head; EDM's preconditioned loss (sigma_data 1, ln sigma ~ N(-1.2, 1.2^2)) on the
    window; AdamW (lr 1e-3, eps 1e-8, weight decay 0.01 on tensors of rank > 1 only); an EMA of the
    weights. (DyDiff's dynamics, elementwise mixing of the frames, is left out: it is cheap.)"""
    torch.manual_seed(0)
    L, P = context + predict, context
    net = UNet(cin=2 * L + 2 * L, cout=L, ch=ch, pad="circular", head="linear").to(device)
    params = sum(p.numel() for p in net.parameters())
    y = torch.randn(batch, L, size, size, device=device)
    masks = torch.zeros(batch, 2 * L, size, size, device=device)
    for f in range(L):
        if f < P:
            masks[:, 2 * f] = 1
        if f == P:
            masks[:, 2 * f + 1] = 1
    cond = torch.cat([y[:, :P], torch.zeros(batch, L - P, size, size, device=device)], dim=1)
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
            sigma = torch.exp(torch.randn(batch, device=device) * 1.2 - 1.2)[:, None, None, None]
            xn = y + torch.randn_like(y) * sigma
            c_skip = sd ** 2 / (sigma ** 2 + sd ** 2)
            c_out = sigma * sd / torch.sqrt(sigma ** 2 + sd ** 2)
            c_in = 1 / torch.sqrt(sigma ** 2 + sd ** 2)
            out = model(torch.cat([c_in * xn, cond], dim=1), torch.log(sigma.flatten()) / 4, masks)
            weight = (sigma ** 2 + sd ** 2) / (sigma * sd) ** 2
            loss = (weight * (c_skip * xn + c_out * out - y) ** 2).mean()
            loss.backward()
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
    ap.add_argument("--model", default="bench-unet", choices=["bench-unet", "dydiff-unet"],
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
            if a.model == "dydiff-unet":
                params, eager, compiled = bench_dydiff(a.batch, s, c, a.steps, not a.no_compile, a.device, a.context, a.predict)
            else:
                params, eager, compiled = bench(a.batch, s, c, a.steps, not a.no_compile)
            comp = f"{compiled * 1e3:.1f}" if compiled is not None else "-"
            print(f"{a.batch} {s} {c} {params} {eager * 1e3:.1f} {comp}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
