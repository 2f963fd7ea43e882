"""The CPU baseline of `npm run bench`: the per-pixel computation done numpy-style, in float32 GEMMs.

For every pixel: the forward pass with tangents (three matrix products per layer: values, d/dx, d/dy), the
activation pattern hashed to 64 bits, and the gradient-normalized distance to the nearest neuron boundary.
Prints one JSON line: {"msPerFrame": median, "frames": n}. The timing does not depend on the weights' values,
so the net is drawn here with numpy's generator (He init); the shapes match the benchmarked net.
"""
import json
import sys
import time

import numpy as np


def frame(weights, biases, keys, xs, ys, chunk):
    n = xs.size
    hash_out = np.empty(n, dtype=np.uint64)
    dist_out = np.empty(n, dtype=np.float32)
    for start in range(0, n, chunk):
        x = xs[start:start + chunk]
        y = ys[start:start + chunk]
        h = np.stack([x, y], axis=1)
        gx = np.zeros_like(h)
        gx[:, 0] = 1
        gy = np.zeros_like(h)
        gy[:, 1] = 1
        acc = np.zeros(h.shape[0], dtype=np.uint64)
        best = np.full(h.shape[0], np.inf, dtype=np.float32)
        for w, b, k in zip(weights, biases, keys):
            z = h @ w.T + b
            gxz = gx @ w.T
            gyz = gy @ w.T
            d = np.abs(z) / np.sqrt(gxz * gxz + gyz * gyz)
            np.minimum(best, np.nanmin(d, axis=1), out=best)
            mask = z > 0
            acc ^= np.bitwise_xor.reduce(np.where(mask, k, np.uint64(0)), axis=1)
            h = z * mask
            gx = gxz * mask
            gy = gyz * mask
        hash_out[start:start + chunk] = acc
        dist_out[start:start + chunk] = best
    return hash_out, dist_out


def main():
    spec = json.loads(sys.argv[1])
    widths, width, height = spec["widths"], spec["width"], spec["height"]
    frames = spec.get("frames", 3)
    rng = np.random.default_rng(1)
    weights, biases, keys = [], [], []
    fan_in = 2
    for w in widths:
        weights.append((rng.standard_normal((w, fan_in)) * np.sqrt(2 / fan_in)).astype(np.float32))
        biases.append((rng.standard_normal(w) * 0.1).astype(np.float32))
        keys.append(rng.integers(0, 2**63, size=w, dtype=np.uint64))
        fan_in = w
    s = spec["span"] / width
    i, j = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    xs = (spec["cx"] + (i + 0.5 - width / 2) * s).astype(np.float32).ravel()
    ys = (spec["cy"] - (j + 0.5 - height / 2) * s).astype(np.float32).ravel()
    chunk = max(256, int(2**26 // (4 * max(widths) * 3)))
    times = []
    deadline = time.perf_counter() + spec.get("maxSeconds", 60)
    for f in range(frames + 1):
        start = time.perf_counter()
        frame(weights, biases, keys, xs, ys, chunk)
        if f > 0:
            times.append((time.perf_counter() - start) * 1000)
        if time.perf_counter() > deadline and times:
            break
    print(json.dumps({"msPerFrame": float(np.median(times)), "frames": len(times)}))


if __name__ == "__main__":
    main()
