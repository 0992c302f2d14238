"""NumPy's side of data's TestNumPyInterop.

Usage: npy_interop.py DIR  -- loads the files tidal wrote to DIR and checks their values, then writes
files of its own (float32, a 0-d float64, savez_compressed, Fortran order, int) for tidal to read; prints ok.
"""
import numpy as np, sys, os
d = sys.argv[1]
v = np.ldexp(np.arange(24.0) - 7, np.arange(24) - 12)
a = np.load(os.path.join(d, "t64.npy")); assert a.dtype == np.float64 and a.shape == (2,3,4), a.shape
assert np.array_equal(a.ravel(), v)
b = np.load(os.path.join(d, "t32.npy")); assert b.dtype == np.float32 and b.shape == (4,6)
assert np.array_equal(b.ravel(), v.astype(np.float32))
z = np.load(os.path.join(d, "t.npz")); assert np.array_equal(z["a"], v)
np.save(os.path.join(d, "n32.npy"), (np.arange(60, dtype=np.float32).reshape(3,4,5) - 7) / 3)
np.save(os.path.join(d, "n64.npy"), np.float64(2.5))
np.savez_compressed(os.path.join(d, "n.npz"), u=np.eye(3), w=np.ones((2,2), np.float32))
np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(np.ones((2,3), np.float32)))
np.save(os.path.join(d, "int.npy"), np.arange(3))
print("ok")
