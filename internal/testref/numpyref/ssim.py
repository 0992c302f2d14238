"""scikit-image's SSIM and PSNR of fixed test images, the reference of metrics' TestSSIMMatchesScikitImage.

Usage: ssim.py H W A,B,R ...  -- for each A,B,R prints SSIM and PSNR of the H×W images of phases A and B
with data range R (structural_similarity with gaussian_weights, sigma 1.5, use_sample_covariance False).
"""
import sys, numpy as np
from skimage.metrics import structural_similarity, peak_signal_noise_ratio
h, w = int(sys.argv[1]), int(sys.argv[2])
def img(phase):
    i, j = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    s = 0.5 + 0.3*np.sin(0.3*i + phase)*np.cos(0.21*j - phase)
    return s + np.where(((i//3 + j//2) % 2) == 0, 0.15*np.cos(phase), 0.0)
for arg in sys.argv[3:]:
    a, b, r = map(float, arg.split(","))
    x, y = img(a), img(b)
    s = structural_similarity(x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=r)
    p = peak_signal_noise_ratio(y, x, data_range=r)
    print(repr(float(s)), repr(float(p)))
