#!/usr/bin/env python3
"""Reference PSNR / SSIM values for Tests/ViewSynthCoreTests/Metrics/MetricsTests.swift.

Provenance only: the Swift tests rebuild the same images from the same integer formulas and compare with the
numbers this script prints (pasted into MetricsTests.swift). Python is never needed at test time.

Run: pip install scikit-image numpy && python3 ssim_reference.py
Produced with scikit-image 0.26.0, numpy (float64 arithmetic on float32 images).

SSIM reference: skimage.metrics.structural_similarity(a, b, data_range=1, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, channel_axis=-1), which equals tf.image.ssim's defaults: with truncate=3.5 the
Gaussian radius is int(3.5*1.5 + 0.5) = 5, so the window is 11x11 (asserted below), and skimage crops
(win_size-1)//2 = 5 pixels per side of the SSIM map before averaging, i.e. 'valid' filtering; per-channel means
are averaged over channels. PSNR reference: 10*log10(1/MSE) on images clipped to [0, 1] (float64),
cross-checked with skimage.metrics.peak_signal_noise_ratio(data_range=1). The skimage SSIM values are also
cross-checked against tf.image.ssim's formula written out in numpy (ssim_tf_definition).
"""
import numpy as np
from skimage.metrics import structural_similarity, peak_signal_noise_ratio

W, H, C = 24, 20, 3
M32 = 0xFFFFFFFF


def base(x, y, c):
    """Integer 0...255: a gradient plus a texture, wrapped."""
    return (8 * x + 6 * y + 40 * c + ((x * y * 7 + x * 3 + c * 11) % 23)) % 256


def noise(x, y, c, s):
    """Integer -30...30 from a 32-bit hash of (x, y, c, s)."""
    h = ((x * 73856093) ^ (y * 19349663) ^ (c * 83492791) ^ (s * 2654435761)) & M32
    h = ((h ^ (h >> 13)) * 1274126177) & M32
    h ^= h >> 16
    return h % 61 - 30


def image(f):
    a = np.zeros((H, W, C), dtype=np.float32)
    for y in range(H):
        for x in range(W):
            for c in range(C):
                a[y, x, c] = f(x, y, c)
    return a


f255 = np.float32(255)
A = image(lambda x, y, c: np.float32(base(x, y, c)) / f255)
B = image(lambda x, y, c: np.float32(min(max(base(x, y, c) + noise(x, y, c, 1), 0), 255)) / f255)
Ccontrast = image(lambda x, y, c: np.float32((base(x, y, c) * 3) // 4 + 40) / f255)
# Out of [0, 1] on purpose (PSNR clips; SSIM does not).
D = image(lambda x, y, c: np.float32(base(x, y, c) * 7 - 255) / np.float32(1275))


def ssim(a, b, gray=False):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    kw = dict(data_range=1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    if gray:
        return structural_similarity(a64[..., 0], b64[..., 0], **kw)
    return structural_similarity(a64, b64, channel_axis=-1, **kw)


def psnr(a, b, gray=False):
    a64 = np.clip(a.astype(np.float64), 0, 1)
    b64 = np.clip(b.astype(np.float64), 0, 1)
    if gray:
        a64, b64 = a64[..., 0], b64[..., 0]
    mse = np.mean((a64 - b64) ** 2)
    value = 10 * np.log10(1 / mse)
    assert abs(value - peak_signal_noise_ratio(a64, b64, data_range=1)) < 1e-12
    return value


def ssim_tf_definition(a, b):
    """Independent check of the skimage call: tf.image.ssim's formula written out with numpy ('valid' 11x11
    separable Gaussian, population moments, mean per channel then over channels)."""
    g = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5 ** 2))
    g /= g.sum()

    def filt(x):  # valid separable filtering over axes 0 and 1 of an (H, W, C) array
        h, w = x.shape[:2]
        rows = sum(g[k] * x[:, k:w - 10 + k] for k in range(11))
        return sum(g[k] * rows[k:h - 10 + k] for k in range(11))

    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    mx, my = filt(a), filt(b)
    sxx, syy, sxy = filt(a * a) - mx * mx, filt(b * b) - my * my, filt(a * b) - mx * my
    m = (2 * mx * my + c1) * (2 * sxy + c2) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return m.mean(axis=(0, 1)).mean()


assert 2 * int(3.5 * 1.5 + 0.5) + 1 == 11

for name, (a, b, gray) in {
    "noisy": (A, B, False),
    "contrast": (A, Ccontrast, False),
    "outOfRange": (A, D, False),
    "grayNoisy": (A, B, True),
}.items():
    if not gray:
        assert abs(ssim(a, b) - ssim_tf_definition(a, b)) < 1e-12
    print(f"{name}: psnr {float(psnr(a, b, gray))!r} ssim {float(ssim(a, b, gray))!r}")
