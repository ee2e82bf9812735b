// Training kernels: fused Adam over all parameter groups, fused L1 + SSIM loss and gradient, SH backward into
// reusable buffers. See coseg/coseg_train.h.
#include <math.h>
#include <omp.h>
#include <string.h>
#include <vector>
#include "coseg/coseg_native.h"
#include "coseg/coseg_train.h"
#include "coseg/sh.h"

namespace {

// The SSIM window of the reference trainer: 11 taps, sigma 1.5, normalised.
constexpr int kWin = 11, kHalf = kWin / 2;
struct Window {
    double w[kWin];
    Window() {
        double s = 0, d[kWin];
        for (int i = 0; i < kWin; ++i) { const double x = i - kHalf; d[i] = exp(-x * x / (2 * 1.5 * 1.5)); s += d[i]; }
        for (int i = 0; i < kWin; ++i) w[i] = d[i] / s;
    }
};
const Window kWindow;

int pick_threads(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

/// Separable window filter (zero padding) of `maps` planar H x W maps: src and dst are maps * H * W values,
/// tmp is maps * H * W values of scratch. Double precision: SSIM's variances are differences of nearby moments.
void filter_maps(int maps, int h, int w, const double* src, double* tmp, double* dst, int threads) {
    double k[kWin];
    for (int i = 0; i < kWin; ++i) k[i] = kWindow.w[i];
    const int64_t plane = (int64_t)h * w;
#pragma omp parallel num_threads(threads)
    {
#pragma omp for schedule(static) collapse(2)
        for (int m = 0; m < maps; ++m)
            for (int y = 0; y < h; ++y) {
                const double* in = src + m * plane + (int64_t)y * w;
                double* out = tmp + m * plane + (int64_t)y * w;
                for (int x = 0; x < w; ++x) {
                    double s = 0.0;
                    const int t0 = x - kHalf < 0 ? kHalf - x : 0, t1 = x + kHalf >= w ? kHalf + (w - 1 - x) : kWin - 1;
                    for (int t = t0; t <= t1; ++t) s += k[t] * in[x + t - kHalf];
                    out[x] = s;
                }
            }
#pragma omp for schedule(static) collapse(2)
        for (int m = 0; m < maps; ++m)
            for (int y = 0; y < h; ++y) {
                double* out = dst + m * plane + (int64_t)y * w;
                const int t0 = y - kHalf < 0 ? kHalf - y : 0, t1 = y + kHalf >= h ? kHalf + (h - 1 - y) : kWin - 1;
                for (int x = 0; x < w; ++x) out[x] = 0.0;
                for (int t = t0; t <= t1; ++t) {
                    const double kt = k[t];
                    const double* in = tmp + m * plane + (int64_t)(y + t - kHalf) * w;
                    for (int x = 0; x < w; ++x) out[x] += kt * in[x];
                }
            }
    }
}

struct LossScratch {
    std::vector<double> a, b, c;
    double* ensure(std::vector<double>& v, size_t n) { if (v.size() < n) v.resize(n); return v.data(); }
};
thread_local LossScratch tLoss;

}  // namespace

extern "C" {

int coseg_adam_step(const coseg_adam_group* groups, int count, int64_t step, double beta1, double beta2, double eps,
                    int threads) {
    if (count < 0 || (count > 0 && !groups) || step < 1) return COSEG_ERR_ARGUMENT;
    for (int gi = 0; gi < count; ++gi) {
        const coseg_adam_group& g = groups[gi];
        if (g.rows < 0 || g.row_len < 0 || g.active_len < 0 || g.active_len > g.row_len) return COSEG_ERR_ARGUMENT;
        if (g.rows > 0 && g.active_len > 0 && (!g.param || !g.grad || !g.m || !g.v)) return COSEG_ERR_ARGUMENT;
    }
    threads = pick_threads(threads);
    // The scalars as torch's float32 kernels see them.
    const double bc1 = 1.0 - pow(beta1, (double)step), bc2 = 1.0 - pow(beta2, (double)step);
    const float b1 = (float)beta1, ob1 = (float)(1.0 - beta1), b2 = (float)beta2, ob2 = (float)(1.0 - beta2);
    const float sbc2 = (float)sqrt(bc2), fe = (float)eps;
#pragma omp parallel num_threads(threads)
    for (int gi = 0; gi < count; ++gi) {
        const coseg_adam_group& g = groups[gi];
        const float step0 = (float)(g.lr / bc1), step1 = (float)(g.lr_rest / bc1);
        const int L = g.row_len, A = g.active_len, R = g.rest_from < A ? (g.rest_from < 0 ? 0 : g.rest_from) : A;
        if (g.rows == 1) {
            // One long row: split it across threads.
            const int64_t n = A;
#pragma omp for schedule(static)
            for (int64_t i = 0; i < n; ++i) {
                const float gr = g.grad[i];
                const float m = g.m[i] * b1 + ob1 * gr;
                const float v = g.v[i] * b2 + ob2 * (gr * gr);
                g.m[i] = m; g.v[i] = v;
                g.param[i] -= (i < R ? step0 : step1) * (m / (sqrtf(v) / sbc2 + fe));
            }
        } else {
#pragma omp for schedule(static)
            for (int64_t r = 0; r < g.rows; ++r) {
                float* p = g.param + r * L; const float* gp = g.grad + r * L; float* mp = g.m + r * L; float* vp = g.v + r * L;
                for (int i = 0; i < A; ++i) {
                    const float gr = gp[i];
                    const float m = mp[i] * b1 + ob1 * gr;
                    const float v = vp[i] * b2 + ob2 * (gr * gr);
                    mp[i] = m; vp[i] = v;
                    p[i] -= (i < R ? step0 : step1) * (m / (sqrtf(v) / sbc2 + fe));
                }
            }
        }
    }
    return COSEG_OK;
}

int coseg_l1_ssim(int height, int width, int channels, const float* pred, const float* target, double lambda,
                  float* grad, double* out, int threads) {
    if (height < 1 || width < 1 || channels < 1 || !pred || !target || !out) return COSEG_ERR_ARGUMENT;
    threads = pick_threads(threads);
    const int h = height, w = width, C = channels;
    const int64_t plane = (int64_t)h * w, P = plane * C;
    try {
        // Planar maps per channel: x, y, x^2, y^2, xy (5 C planes), filtered in place through the scratch.
        double* maps = tLoss.ensure(tLoss.a, (size_t)(5 * P));
        double* tmp = tLoss.ensure(tLoss.b, (size_t)(5 * P));
        double* mu = tLoss.ensure(tLoss.c, (size_t)(5 * P));
        double l1 = 0, mse = 0;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : l1, mse)
        for (int64_t p = 0; p < plane; ++p)
            for (int c = 0; c < C; ++c) {
                const double x = pred[p * C + c], y = target[p * C + c];
                const int64_t o = (int64_t)c * plane + p;
                maps[0 * P + o] = x; maps[1 * P + o] = y;
                maps[2 * P + o] = x * x; maps[3 * P + o] = y * y; maps[4 * P + o] = x * y;
                const double d = x - y;
                l1 += fabs(d); mse += d * d;
            }
        filter_maps(5 * C, h, w, maps, tmp, mu, threads);
        const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        double ssim = 0;
        // Per-pixel SSIM and its partials w.r.t. mu_x, E[x^2], E[xy]; stored planar in maps[0..3P).
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : ssim)
        for (int64_t o = 0; o < P; ++o) {
            const double mx = mu[0 * P + o], my = mu[1 * P + o];
            const double mx2 = mx * mx, my2 = my * my, mxy = mx * my;
            const double sx = mu[2 * P + o] - mx2, sy = mu[3 * P + o] - my2, sxy = mu[4 * P + o] - mxy;
            const double A = 2.0 * mxy + c1, B = 2.0 * sxy + c2, Cc = mx2 + my2 + c1, D = sx + sy + c2;
            const double S = (A * B) / (Cc * D);
            ssim += S;
            if (grad) {
                maps[0 * P + o] = S * (2.0 * my / A - 2.0 * my / B - 2.0 * mx / Cc + 2.0 * mx / D);
                maps[1 * P + o] = -S / D;
                maps[2 * P + o] = 2.0 * S / B;
            }
        }
        l1 /= (double)P; mse /= (double)P; ssim /= (double)P;
        out[0] = (1.0 - lambda) * l1 + lambda * (1.0 - ssim);
        out[1] = l1; out[2] = ssim; out[3] = mse;
        if (!grad) return COSEG_OK;
        // The window filter is its own adjoint (symmetric, zero padding): dSSIM/dx = G*a + 2x G*b + y G*c.
        filter_maps(3 * C, h, w, maps, tmp, mu, threads);
        const double ks = lambda / (double)P, kl = (1.0 - lambda) / (double)P;
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int64_t p = 0; p < plane; ++p)
            for (int c = 0; c < C; ++c) {
                const int64_t o = (int64_t)c * plane + p;
                const double x = pred[p * C + c], y = target[p * C + c];
                const double ds = mu[0 * P + o] + 2.0 * x * mu[1 * P + o] + y * mu[2 * P + o];
                const double d = x - y;
                const double sg = d > 0.0 ? 1.0 : (d < 0.0 ? -1.0 : 0.0);
                grad[p * C + c] = (float)(kl * sg - ks * ds);
            }
        return COSEG_OK;
    } catch (const std::bad_alloc&) {
        return COSEG_ERR_MEMORY;
    }
}

int coseg_sh_backward_add(int threads, int64_t n, int k, int degree, const float* means, const float* sh,
                          const float* campos, const float* grad_rgb, float* g_sh, float* g_means) {
    if (n < 0 || degree < 0 || degree > 3 || k < (degree + 1) * (degree + 1) || !campos) return COSEG_ERR_ARGUMENT;
    if (n > 0 && (!means || !sh || !grad_rgb || !g_sh || !g_means)) return COSEG_ERR_ARGUMENT;
    threads = pick_threads(threads);
    const int nb = (degree + 1) * (degree + 1);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        float* gs = g_sh + (size_t)i * k * 3;
        for (int j = 0; j < nb * 3; ++j) gs[j] = 0.f;  // sh_eval_backward leaves them untouched behind the camera
        coseg::sh_eval_backward(degree, sh + (size_t)i * k * 3, means + 3 * i, campos, grad_rgb + 3 * i, gs, g_means + 3 * i);
    }
    return COSEG_OK;
}

}  // extern "C"
