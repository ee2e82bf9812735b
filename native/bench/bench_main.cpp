// Stand-alone timing of the C ABI on a random scene (no .NET): bench_native N W H [repeats] [channels].
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "coseg/coseg_native.h"

int main(int argc, char** argv) {
    const int64_t n = argc > 1 ? atoll(argv[1]) : 50000;
    const int W = argc > 2 ? atoi(argv[2]) : 100, H = argc > 3 ? atoi(argv[3]) : 100;
    const int reps = argc > 4 ? atoi(argv[4]) : 10, C = argc > 5 ? atoi(argv[5]) : 3;
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> U(0.f, 1.f);
    std::normal_distribution<float> N01;
    std::vector<float> means(3 * n), scales(3 * n), quats(4 * n), op(n), col(n * C);
    for (int64_t i = 0; i < n; ++i) {
        means[3 * i] = (U(rng) * 2 - 1) * 1.1f;
        means[3 * i + 1] = (U(rng) * 2 - 1) * 1.1f * H / W;
        means[3 * i + 2] = U(rng) * 2 - 1;
        for (int a = 0; a < 3; ++a) scales[3 * i + a] = expf(U(rng) * 1.6f - 5.2f);
        for (int a = 0; a < 4; ++a) quats[4 * i + a] = N01(rng);
        op[i] = U(rng) * 0.9f + 0.05f;
        for (int c = 0; c < C; ++c) col[i * C + c] = U(rng);
    }
    coseg_camera cam{};
    cam.width = W; cam.height = H; cam.fx = cam.fy = 0.9f * W; cam.cx = W / 2.f; cam.cy = H / 2.f;
    float v[12] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 4};
    for (int i = 0; i < 12; ++i) cam.viewmat[i] = v[i];
    cam.near_plane = 0.01f; cam.far_plane = 1e10f; cam.low_pass = 0.3f;
    // Centred principal point: the Jacobian clamp limits are 1.3 x the half field of view.
    cam.lim_xp = cam.lim_xn = 1.3f * 0.5f * W / cam.fx;
    cam.lim_yp = cam.lim_yn = 1.3f * 0.5f * H / cam.fy;
    std::vector<float> oc((size_t)W * H * C), oa((size_t)W * H), od((size_t)W * H), gc((size_t)W * H * C, 1.f);
    std::vector<int32_t> radii(n);
    std::vector<float> gm(3 * n), gs(3 * n), gq(4 * n), go(n), gcol(n * C), gm2(2 * n);
    coseg_context* ctx = coseg_context_create(0, getenv("BASELINE") ? 1 : 0);
    coseg_state* st = coseg_state_create();
    double tf = 0, tb = 0;
    for (int r = -1; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        coseg_forward(ctx, st, &cam, n, C, means.data(), scales.data(), quats.data(), op.data(), col.data(), nullptr,
                      oc.data(), oa.data(), od.data(), radii.data());
        auto t1 = std::chrono::steady_clock::now();
        coseg_backward(ctx, st, &cam, n, C, means.data(), scales.data(), quats.data(), op.data(), col.data(), nullptr,
                       gc.data(), nullptr, nullptr, gm.data(), gs.data(), gq.data(), go.data(), gcol.data(), gm2.data());
        auto t2 = std::chrono::steady_clock::now();
        if (r >= 0) {
            tf += std::chrono::duration<double, std::milli>(t1 - t0).count();
            tb += std::chrono::duration<double, std::milli>(t2 - t1).count();
        }
    }
    double mean_alpha = 0;
    for (float a : oa) mean_alpha += a;
    printf("n=%lld %dx%d C=%d avx2=%d forward %.3f ms backward %.3f ms (mean alpha %.3f)\n", (long long)n, W, H, C,
           coseg_context_uses_avx2(ctx), tf / reps, tb / reps, mean_alpha / oa.size());
    coseg_state_destroy(st);
    coseg_context_destroy(ctx);
    return 0;
}
