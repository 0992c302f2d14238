#!/usr/bin/env python3
"""Writes the summary of scripts/gpu-check.sh: OUT/gpu-check.json and OUT/gpu-check.md.

Reads the check's work folder (results.tsv, meta.env, the runs' stats.jsonl, the forecasts and rollouts as
NPY, the benches' JSON) with Python's standard library alone (no NumPy: the machine may lack it), compares
the cuda runs with the CPU's within the stated tolerances, and prints the verdict.

Usage: gpu_check_report.py --work DIR --out DIR [--loss-tol 0.15] [--fc-tol 0.05] [--roll-tol 0.10]
"""
import argparse
import array
import ast
import json
import math
import os
import re
import struct
import sys

PAPER_ROLLOUT_S = 0.19  # Hess et al. 2025: guided rollout, seconds per 256² frame


def read_npy(path):
    """Returns (shape, flat list of floats) of a little-endian float32/float64 C-order NPY file."""
    with open(path, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            raise ValueError(f"{path}: not an NPY file")
        major = f.read(2)[0]
        n = struct.unpack("<H" if major == 1 else "<I", f.read(2 if major == 1 else 4))[0]
        header = ast.literal_eval(f.read(n).decode("latin1"))
        if header.get("fortran_order"):
            raise ValueError(f"{path}: Fortran order")
        code = {"<f4": "f", "<f8": "d"}.get(header["descr"])
        if code is None:
            raise ValueError(f"{path}: dtype {header['descr']}")
        a = array.array(code)
        a.frombytes(f.read())
        if sys.byteorder != "little":
            a.byteswap()
        return tuple(header["shape"]), a


def rms(xs):
    return math.sqrt(sum(x * x for x in xs) / max(len(xs), 1))


def std(xs):
    m = sum(xs) / max(len(xs), 1)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / max(len(xs), 1))


def losses(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    rec = json.loads(line)
                    if "loss" in rec:
                        out.append(float(rec["loss"]))
    except OSError:
        return None
    return out


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def ensemble_mean(shape, flat):
    """[cases, members, rest...] -> the mean over members, flat [cases, rest...]."""
    cases, members = shape[0], shape[1]
    per = len(flat) // (cases * members)
    out = []
    for c in range(cases):
        base = c * members * per
        for i in range(per):
            out.append(sum(flat[base + m * per + i] for m in range(members)) / members)
    return out


def read_results(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                rows.append({"step": parts[0], "status": parts[1], "seconds": float(parts[2] or 0),
                             "detail": parts[3] if len(parts) > 3 else ""})
    return rows


def read_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    return meta


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def per_frame(work, n):
    try:
        text = open(os.path.join(work, f"rollout256_{n}.out")).read()
    except OSError:
        return None
    m = re.search(r"([0-9.eE+-]+) s per frame", text)
    return float(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--loss-tol", type=float, default=0.15)
    ap.add_argument("--fc-tol", type=float, default=0.05)
    ap.add_argument("--roll-tol", type=float, default=0.10)
    a = ap.parse_args()
    w = a.work
    meta = read_meta(os.path.join(w, "meta.env"))
    rows = read_results(os.path.join(w, "results.tsv"))
    gpu = meta.get("reason", "") == ""
    gbe = meta.get("gpu_backend", "cuda")
    checks = []  # each: name, ok (True/False/None = not judged), value, tolerance, note

    def check(name, ok, value=None, tol=None, note="", kind="correctness"):
        checks.append({"check": name, "kind": kind, "ok": ok, "value": value, "tolerance": tol, "note": note})

    # Loss curves.
    curves = {}
    for model in ("dydiff", "idm", "disc"):
        for be in ("go", "gpu"):  # the folders of the CPU half and the GPU half
            ls = losses(os.path.join(w, be, "runs", model, "stats.jsonl"))
            if ls:
                curves[f"{model}_{be}"] = ls
    for model in ("dydiff", "idm", "disc"):
        cpu = curves.get(f"{model}_go")
        if cpu is None:
            check(f"train {model} (cpu)", False, note="no loss curve")
            continue
        k = min(50, len(cpu))
        check(f"train {model} (cpu)", all(math.isfinite(x) for x in cpu), note=f"{len(cpu)} steps, first loss {cpu[0]:.4g}, mean of last {k} {mean(cpu[-k:]):.4g}")
        if not gpu:
            continue
        cu = curves.get(f"{model}_gpu")
        if cu is None:
            check(f"train {model}: cuda vs cpu", False, note="no cuda loss curve")
            continue
        k = min(50, len(cpu), len(cu))
        rel = abs(mean(cu[-k:]) - mean(cpu[-k:])) / abs(mean(cpu[-k:]))
        first = abs(cu[0] - cpu[0]) / abs(cpu[0])
        check(f"train {model}: cuda vs cpu, mean of the last {k} losses", rel <= a.loss_tol, round(rel, 4), a.loss_tol,
              f"cpu {mean(cpu[-k:]):.4g}, cuda {mean(cu[-k:]):.4g}; first-step losses {cpu[0]:.4g} / {cu[0]:.4g} "
              f"(relative difference {first:.3g}, not judged: the backends draw the initial weights and the loss's noise "
              f"from different random streams, PCG and Philox)")

    # Forecast and rollout: the CPU-trained models sampled on both backends.
    def compare(name, path_cpu, path_cuda, ref, tol, ensemble):
        try:
            sc, fc = read_npy(path_cpu)
            sg, fg = read_npy(path_cuda)
        except (OSError, ValueError) as e:
            check(name, False, note=f"missing output: {e}")
            return
        if sc != sg:
            check(name, False, note=f"shapes differ: cpu {sc}, cuda {sg}")
            return
        if ensemble:
            mc, mg = ensemble_mean(sc, fc), ensemble_mean(sg, fg)
        else:
            mc, mg = list(fc), list(fg)
        scale = std(ref) or 1.0
        rel = rms([x - y for x, y in zip(mc, mg)]) / scale
        finite = all(math.isfinite(x) for x in fg)
        check(name, finite and rel <= tol, round(rel, 5), tol,
              f"rms difference of the {'ensemble means' if ensemble else 'trajectories'} over the std of the "
              f"{'truth' if ensemble else 'CPU rollout'} ({scale:.4g}); shape {list(sc)}")

    fc_cpu = os.path.join(w, "go", "fc", "dydiff.npy")
    if os.path.exists(fc_cpu):
        check("forecast (cpu)", True, note="written")
    else:
        check("forecast (cpu)", False, note="not written")
    roll_cpu = os.path.join(w, "go", "roll", "guided.npy")
    check("rollout (cpu)", os.path.exists(roll_cpu), note="written" if os.path.exists(roll_cpu) else "not written")
    if gpu:
        try:
            _, truth = read_npy(os.path.join(w, "go", "fc", "dydiff.truth.npy"))
        except (OSError, ValueError):
            truth = []
        compare("forecast: cuda vs cpu (same weights, same noise)", fc_cpu, os.path.join(w, "gpu", "fc", "dydiff.npy"),
                truth, a.fc_tol, True)
        try:
            _, rc = read_npy(roll_cpu)
        except (OSError, ValueError):
            rc = []
        compare("guided rollout: cuda vs cpu (same weights, same noise)", roll_cpu, os.path.join(w, "gpu", "roll", "guided.npy"),
                rc, a.roll_tol, False)

    # Tests on cuda.
    for r in rows:
        if r["step"].startswith("test_") or r["step"] == "tests":
            check(f"tests on cuda: {r['step'][5:] or 'all'}", r["status"] == "ok" if r["status"] != "skipped" else None,
                  note=r["detail"] or r["status"])

    # Timings.
    bench_cpu = load_json(os.path.join(w, "bench_cpu.json"))
    bench_cuda = None  # one file a size (bench_gpu_S.json), merged
    for name in sorted(os.listdir(w)):
        if name.startswith("bench_gpu_") and name.endswith(".json"):
            b = load_json(os.path.join(w, name))
            if b:
                if bench_cuda is None:
                    bench_cuda = {"bench": "train-step", "runs": []}
                bench_cuda["runs"] += b.get("runs", [])
    timing = {"bench_cpu": bench_cpu, "bench_cuda": bench_cuda}
    if gpu:
        p2, p7 = per_frame(w, 2), per_frame(w, 7)
        if p2 is not None and p7 is not None:
            frame = (p7 * 7 - p2 * 2) / 5  # the compile and start-up cancel out
            timing["guided_rollout_256_s_per_frame"] = frame
            big = meta.get("big", "256")
            check(f"guided rollout at {big}², s per frame (50 Heun steps)", frame <= PAPER_ROLLOUT_S, round(frame, 4),
                  PAPER_ROLLOUT_S, "the paper's 0.19 s at 256²; (7-frame run − 2-frame run) / 5, so the compile cancels out",
                  kind="speed")
        if bench_cuda:
            for run in bench_cuda.get("runs", []):
                torch = {(t.get("net", "unet"), t["size"]): t for t in run.get("torch_results") or []}
                for r in run.get("results", []):
                    t = torch.get((r["net"], r["size"]))
                    if t:
                        ratio = r["step_ms"] / t["eager_ms"]
                        note = f"tidal {r['step_ms']:.2f} ms, PyTorch eager {t['eager_ms']:.2f} ms"
                        if t.get("compiled_ms"):
                            note += f", torch.compile {t['compiled_ms']:.2f} ms (tidal/compile {r['step_ms'] / t['compiled_ms']:.2f})"
                        check(f"{r['net']} training step at {r['size']}² on {gbe}: tidal / PyTorch eager", ratio <= 1.0, round(ratio, 3), 1.0, note,
                              kind="speed")
                    else:
                        check(f"training step at {r['size']}² on {gbe}", None, r["step_ms"], note="no PyTorch figure", kind="speed")

    failed_steps = [r for r in rows if r["status"] in ("failed", "timeout")]
    judged = [c for c in checks if c["ok"] is not None and c["kind"] == "correctness"]
    speed = [c for c in checks if c["ok"] is not None and c["kind"] == "speed"]
    speed_goals = "none judged" if not speed else ("met" if all(c["ok"] for c in speed) else "not all met")
    if gpu:
        verdict = "pass" if judged and all(c["ok"] for c in judged) and not failed_steps else "fail"
    else:
        cpu_ok = all(c["ok"] for c in judged) and not failed_steps
        verdict = "cpu-only" if cpu_ok else "cpu-half-failed"
    summary = {"verdict": verdict, "speed_goals": speed_goals, "gpu_half": "ran" if gpu else "skipped", "skip_reason": meta.get("reason", ""),
               "meta": meta, "tolerances": {"loss": a.loss_tol, "forecast": a.fc_tol, "rollout": a.roll_tol},
               "checks": checks, "steps": rows, "timing": timing, "loss_curves": curves}
    with open(os.path.join(a.out, "gpu-check.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")

    md = [f"# tidal gpu-check — {meta.get('date', '')}", "",
          f"- verdict: **{verdict}** (correctness); speed goals: {speed_goals}",
          f"- GPU half: {'ran on ' + meta.get('gpu', '') + ' (backend ' + gbe + ')' if gpu else 'skipped: ' + meta.get('reason', '')}",
          f"- tidal: {meta.get('how', '')}; plugin: {meta.get('plugin') or '-'}",
          f"- machine: {meta.get('host', '')}, load {meta.get('load', '')}",
          f"- trainings: {meta.get('steps')} steps at {meta.get('size')}², seed {meta.get('seed')}", "",
          "Tolerances: loss curves — the relative difference of the mean of the last 50 losses, cuda against cpu, "
          f"≤ {a.loss_tol} (the backends draw initial weights and the loss's noise from different random streams, so "
          "curves agree in distribution, not step by step); forecast — the rms difference of the ensemble means of the "
          f"CPU-trained DyDiff sampled on both backends (same weights, host-drawn noise) over the truth's std ≤ {a.fc_tol}; "
          f"rollout — the rms difference of the guided rollouts (same weights and noise) over the CPU rollout's std ≤ {a.roll_tol}.",
          "", "| check | ok | value | tolerance | note |", "|---|---|---|---|---|"]
    for c in checks:
        ok = {True: "yes", False: "**no**", None: "-"}[c["ok"]]
        md.append(f"| {c['check']} | {ok} | {'' if c['value'] is None else c['value']} | "
                  f"{'' if c['tolerance'] is None else c['tolerance']} | {c['note']} |")
    md.insert(md.index("| check | ok | value | tolerance | note |"), "The verdict counts the correctness checks; the speed checks "
              "(tidal's step at most PyTorch eager's, the guided rollout at most the paper's 0.19 s per frame) are reported as goals.\n")
    md += ["", "| step | status | seconds | detail |", "|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['step']} | {r['status']} | {r['seconds']:.1f} | {r['detail'][:200]} |")
    for name, b in (("CPU", bench_cpu), ("cuda", bench_cuda)):
        if not b:
            continue
        md += ["", f"Training step ({name}, tidal bench train-step):", "",
               "| net | size | threads | step ms | forecast ms | peak RSS train MiB | peak RSS forecast MiB |", "|---|---|---|---|---|---|---|"]
        for run in b.get("runs", []):
            for r in run.get("results", []):
                md.append(f"| {r['net']} | {r['size']} | {run.get('threads', '')} | {r['step_ms']:.2f} | {r['forecast_ms']:.1f} | "
                          f"{r['peak_rss_train_bytes'] / 2**20:.0f} | {r['peak_rss_forecast_bytes'] / 2**20:.0f} |")
            for t in run.get("torch_results") or []:
                md.append(f"| {t.get('net', 'unet')}: PyTorch eager / compile | {t['size']} | | {t['eager_ms']:.2f} / {t.get('compiled_ms') or '-'} | | | |")
    with open(os.path.join(a.out, "gpu-check.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"gpu-check verdict: {verdict} ({sum(1 for c in judged if c['ok'])} of {len(judged)} correctness checks passed, "
          f"{len(failed_steps)} steps failed or timed out); speed goals: {speed_goals}")
    for c in checks:
        mark = {True: "ok    ", False: "FAILED", None: "-     "}[c["ok"]]
        val = "" if c["value"] is None else f" {c['value']}" + ("" if c["tolerance"] is None else f" (≤ {c['tolerance']})")
        print(f"  {mark} {c['kind']:<11}  {c['check']}:{val} {c['note'][:160]}")
    for r in failed_steps:
        print(f"  step {r['step']} {r['status']}: {r['detail'][:300]}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError) as e:
        print(f"gpu_check_report.py: {e}", file=sys.stderr)
        sys.exit(1)
