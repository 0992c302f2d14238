"""NumPy reference for tidal's Navier-Stokes solver (sim/navierstokes): the same pseudo-spectral ETDRK4
step, written independently with numpy.fft's real transforms, the nonlinear term in flux form by default.

    step  --n N --nu NU --order K --mu MU --dt DT --zeta IN.npy [--force F.npy] --out OUT.npy
          one step from the grid vorticity IN ([y, x], float64) with the grid forcing F held fixed over
          the step (white in time); writes the new grid vorticity.
    bench --n N --steps S --nu NU [--order K --mu MU --dt DT --kf KF --df DF --eps EPS --form flux|basdevant]
          times S steps (fresh ring forcing each step) and prints {"ms_per_step": ...} as JSON.

Conventions (the solver's): 2pi-periodic square, zeta_hat = rfft2(zeta) (unnormalised), psi_hat =
-zeta_hat/|k|^2, u = -dpsi/dy, v = dpsi/dx, arrays [y, x]; 2/3 rule keeps |kx|, |ky| <= (N-1)//3.
"""
import argparse
import json
import sys
import time

import numpy as np


class Model:
    def __init__(self, n, nu, order, mu, dt, form="flux"):
        self.n, self.dt, self.form = n, dt, form
        ky = np.fft.fftfreq(n, 1.0 / n)
        kx = np.arange(n // 2 + 1, dtype=float)
        self.KY, self.KX = np.meshgrid(ky, kx, indexing="ij")
        k2 = self.KX ** 2 + self.KY ** 2
        cut = (n - 1) // 3
        self.keep = ((np.abs(self.KX) <= cut) & (np.abs(self.KY) <= cut)).astype(float)
        self.k2 = k2
        self.inv_k2 = np.zeros_like(k2)
        self.inv_k2[k2 > 0] = 1.0 / k2[k2 > 0]
        lin = -nu * k2 ** order - mu
        lin[0, 0] = 0.0
        self.E, self.E2 = np.exp(dt * lin), np.exp(dt * lin / 2)
        # Kassam & Trefethen's contour average over the whole circle of radius 1 around z = dt*L.
        pts = 128
        r = np.exp(2j * np.pi * (np.arange(pts) + 0.5) / pts)
        w = dt * lin[..., None] + r
        ew = np.exp(w)
        self.Q = dt * np.real(np.mean((np.exp(w / 2) - 1) / w, axis=-1))
        self.f1 = dt * np.real(np.mean((-4 - w + ew * (4 - 3 * w + w ** 2)) / w ** 3, axis=-1))
        self.f2 = dt * np.real(np.mean((2 + w + ew * (w - 2)) / w ** 3, axis=-1))
        self.f3 = dt * np.real(np.mean((-4 - 3 * w - w ** 2 + ew * (4 - w)) / w ** 3, axis=-1))

    def nonlinear(self, zh, fh):
        n = self.n
        psih = -zh * self.inv_k2
        u = np.fft.irfft2(-1j * self.KY * psih, s=(n, n))
        v = np.fft.irfft2(1j * self.KX * psih, s=(n, n))
        if self.form == "basdevant":
            nl = self.KX * self.KY * np.fft.rfft2(v * v - u * u) + (self.KX ** 2 - self.KY ** 2) * np.fft.rfft2(u * v)
        else:
            z = np.fft.irfft2(zh, s=(n, n))
            nl = -1j * self.KX * np.fft.rfft2(u * z) - 1j * self.KY * np.fft.rfft2(v * z)
        return nl * self.keep + fh

    def step(self, zh, fh):
        nu = self.nonlinear(zh, fh)
        a = self.E2 * zh + self.Q * nu
        na = self.nonlinear(a, fh)
        b = self.E2 * zh + self.Q * na
        nb = self.nonlinear(b, fh)
        c = self.E2 * a + self.Q * (2 * nb - nu)
        nc = self.nonlinear(c, fh)
        return self.E * zh + self.f1 * nu + 2 * self.f2 * (na + nb) + self.f3 * nc


class RingForcing:
    """White-in-time ring forcing normalised to the energy injection rate eps (tidal's definition)."""

    def __init__(self, m, kf, df, eps, seed):
        n = m.n
        k = np.sqrt(m.k2)
        s = np.exp(-((k - kf) / df) ** 2 / 2) * m.keep
        s[m.k2 == 0] = 0
        s[s < 1e-16] = 0
        weight = np.where(m.KX == 0, 1.0, 2.0)
        eps0 = np.sum(weight * s * m.inv_k2) / (2.0 * n ** 4)
        s *= eps / eps0
        half = (s > 0) & ~((m.KX == 0) & (m.KY < 0))
        self.idx = np.nonzero(half)
        self.amp = np.sqrt(s[self.idx] / m.dt)
        zero_col = m.KX[self.idx] == 0
        self.mirror = ((-m.KY[self.idx][zero_col]).astype(int) % n, np.zeros(zero_col.sum(), dtype=int))
        self.zero_col = zero_col
        self.shape = m.k2.shape
        self.rng = np.random.default_rng(seed)

    def draw(self):
        xi = (self.rng.standard_normal(self.amp.size) + 1j * self.rng.standard_normal(self.amp.size)) / np.sqrt(2)
        fh = np.zeros(self.shape, dtype=complex)
        vals = self.amp * xi
        fh[self.idx] = vals
        fh[self.mirror] = np.conj(vals[self.zero_col])
        return fh


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["step", "bench"])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--nu", type=float, default=2e-7)
    ap.add_argument("--order", type=int, default=2)
    ap.add_argument("--mu", type=float, default=0.1)
    ap.add_argument("--dt", type=float, default=0.005)
    ap.add_argument("--kf", type=float, default=6.0)
    ap.add_argument("--df", type=float, default=1.5)
    ap.add_argument("--eps", type=float, default=0.1)
    ap.add_argument("--form", choices=["flux", "basdevant"], default="flux")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--zeta")
    ap.add_argument("--force")
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    m = Model(a.n, a.nu, a.order, a.mu, a.dt, a.form)
    if a.mode == "step":
        zh = np.fft.rfft2(np.load(a.zeta)) * m.keep
        fh = np.fft.rfft2(np.load(a.force)) * m.keep if a.force else np.zeros_like(zh)
        np.save(a.out, np.fft.irfft2(m.step(zh, fh), s=(a.n, a.n)))
        return
    rng = np.random.default_rng(1)
    zh = np.fft.rfft2(rng.standard_normal((a.n, a.n))) * m.keep * np.exp(-m.k2 / 50.0)
    forcing = RingForcing(m, a.kf, a.df, a.eps, 2)
    for _ in range(3):
        zh = m.step(zh, forcing.draw())
    t0 = time.perf_counter()
    for _ in range(a.steps):
        zh = m.step(zh, forcing.draw())
    dt = time.perf_counter() - t0
    if not np.all(np.isfinite(zh)):
        sys.exit("reference run blew up")
    print(json.dumps({"ms_per_step": 1e3 * dt / a.steps}))


if __name__ == "__main__":
    main(sys.argv[1:])
