// Orchestration of the CPU rasterizer: projection, binning and depth sort, per-tile kernels (ISA dispatched at
// runtime), deterministic reduction of per-(tile, Gaussian) partial gradients, SH evaluation.
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <new>
#include <vector>

#include "coseg/coseg_native.h"
#include "coseg/project.h"
#include "coseg/sh.h"
#include "raster_internal.h"

using namespace coseg;

namespace {

/// 64-byte aligned float buffer that only ever grows (no allocation once warmed up).
struct AlignedBuffer {
    float* data = nullptr;
    size_t capacity = 0;
    ~AlignedBuffer() { free(data); }
    float* ensure(size_t n) {
        if (n <= capacity) return data;
        free(data);
        const size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
        data = (float*)aligned_alloc(64, bytes);
        if (!data) { capacity = 0; throw std::bad_alloc(); }
        capacity = bytes / sizeof(float);
        return data;
    }
};

template <class T>
void grow(std::vector<T>& v, size_t n) { if (v.size() < n) v.resize(n); }

/// Order-preserving map of a float to an unsigned key (works for negative depths too).
inline uint32_t depth_key(float z) {
    uint32_t b;
    memcpy(&b, &z, 4);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

bool finite_all(const float* p, size_t count, int threads) {
    int bad = 0;
#pragma omp parallel for num_threads(threads) reduction(| : bad) schedule(static)
    for (int64_t i = 0; i < (int64_t)count; ++i) bad |= !isfinite(p[i]);
    return bad == 0;
}

}  // namespace

struct coseg_state {
    coseg_camera cam{};
    int tilesX = 0, tilesY = 0, channels = 0;
    int64_t n = 0;
    uint32_t pairs = 0;
    std::vector<Splat> splats;        // N
    std::vector<int32_t> rects;       // N * 4: touched tiles x0, x1, y0, y1
    std::vector<uint32_t> gOffset;    // N + 1: Gaussian i's pairs are slots gOffset[i] .. gOffset[i+1] (tile-row-major)
    std::vector<uint32_t> sorted;     // Gaussian ids per tile, front to back
    std::vector<Splat> sortedSplats;  // copies of the splats in `sorted` order (streamed by the tile loops)
    std::vector<uint32_t> tileStart;  // tiles + 1
    std::vector<float> finalT;        // H * W
    std::vector<int32_t> lastIdx;     // H * W
    bool valid = false;
};

/// A visible splat with its tile rectangle, gathered once in depth order so binning reads memory sequentially.
struct OrderedSplat {
    Splat s;  // s.slot = first Gaussian-major pair slot
    int32_t x0, x1, y0, y1;
};

struct coseg_context {
    int threads = 1;
    bool avx2 = false;
    std::vector<AlignedBuffer> scratch;  // per thread
    AlignedBuffer pairAcc;
    std::vector<uint32_t> visible, sortTmp, keys, keysTmp, chunkCounts;
    std::vector<OrderedSplat> ordered;
    coseg_state unprojectState;          // reused by coseg_unproject

    float* thread_scratch(int t, int channels) { return scratch[t].ensure(tile_scratch_floats(channels)); }
    void ensure_scratch(int channels) {
        for (int t = 0; t < threads; ++t) scratch[t].ensure(tile_scratch_floats(channels));
    }
};

namespace {

using TileFn = void (*)(const TileArgs&, int, float*);

void run_tiles(coseg_context* ctx, const TileArgs& args, TileFn fn) {
    const int tiles = args.tilesX * args.tilesY;
    ctx->ensure_scratch(args.channels);
#pragma omp parallel for num_threads(ctx->threads) schedule(dynamic, 1)
    for (int t = 0; t < tiles; ++t) fn(args, t, ctx->scratch[omp_get_thread_num()].data);
}

/// Projection, binning and depth sorting into `st`. Returns an error code.
int prepare(coseg_context* ctx, coseg_state* st, const coseg_camera& cam, int64_t n, int channels,
            const float* means, const float* scales, const float* quats, const float* opacities, int32_t* radiiOut) {
    st->valid = false;
    st->cam = cam;
    st->channels = channels;
    st->n = n;
    st->tilesX = (cam.width + kTile - 1) / kTile;
    st->tilesY = (cam.height + kTile - 1) / kTile;
    const int tilesX = st->tilesX, tilesY = st->tilesY, tiles = tilesX * tilesY;
    const int threads = ctx->threads;
    grow(st->splats, (size_t)n);
    grow(st->gOffset, (size_t)n + 1);
    grow(st->rects, (size_t)n * 4);
    st->tileStart.assign((size_t)tiles + 1, 0);
    grow(st->finalT, (size_t)cam.width * cam.height);
    grow(st->lastIdx, (size_t)cam.width * cam.height);

    // 1. project (parallel over Gaussians); also the non-finite checks, for free.
    int badMask = 0;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(| : badMask)
    for (int64_t i = 0; i < n; ++i) {
        const float* m = means + 3 * i;
        const float* s = scales + 3 * i;
        const float* q = quats + 4 * i;
        const float o = opacities[i];
        int bad = 0;
        if (!isfinite(m[0]) || !isfinite(m[1]) || !isfinite(m[2])) bad |= 1;
        if (!isfinite(s[0]) || !isfinite(s[1]) || !isfinite(s[2])) bad |= 2;
        if (!isfinite(q[0]) || !isfinite(q[1]) || !isfinite(q[2]) || !isfinite(q[3])) bad |= 4;
        if (!isfinite(o)) bad |= 8;
        badMask |= bad;
        Projected p;
        Splat& sp = st->splats[i];
        sp.id = (uint32_t)i;
        const bool vis = !bad && project_gaussian(cam, m, s, q, tilesX, tilesY, p);
        if (radiiOut) radiiOut[i] = vis ? p.radius : 0;
        if (!vis) {
            sp.mx = sp.my = sp.ca = sp.cb = sp.cc = sp.op = sp.z = sp.lmin = 0.f;
            sp.ex = sp.ey = -1.f;
            st->gOffset[i + 1] = 0;
            continue;
        }
        sp.mx = p.mx; sp.my = p.my; sp.ca = p.ca; sp.cb = p.cb; sp.cc = p.cc; sp.op = o; sp.z = p.z;
        // alpha = op e^power >= 1/255 needs power >= ln(1/(255 op)); the margin keeps the pre-test conservative under
        // rounding, and the exact alpha test still decides, so results do not change.
        sp.lmin = logf(kMinAlpha / o) - 1e-3f;
        // alpha >= 1/255 needs q(d) <= 2 ln(255 o); the extent of that ellipse is sqrt(thr * Sigma2d_diag).
        const float thr = 2.f * logf(255.f * o);
        if (!(thr >= 0.f)) {
            sp.ex = sp.ey = -1.f;
        } else {
            const float det = p.ca * p.cc - p.cb * p.cb;  // 1 / det(Sigma2d)
            const float a2d = p.cc / det, c2d = p.ca / det;
            sp.ex = sqrtf(thr * a2d) * 1.01f + 0.5f;
            sp.ey = sqrtf(thr * c2d) * 1.01f + 0.5f;
        }
        st->gOffset[i + 1] = (uint32_t)((p.x1 - p.x0) * (p.y1 - p.y0));
        int32_t* r = st->rects.data() + 4 * i;
        r[0] = p.x0; r[1] = p.x1; r[2] = p.y0; r[3] = p.y1;
    }
    if (badMask & 1) return COSEG_ERR_NONFINITE_MEANS;
    if (badMask & 2) return COSEG_ERR_NONFINITE_SCALES;
    if (badMask & 4) return COSEG_ERR_NONFINITE_QUATS;
    if (badMask & 8) return COSEG_ERR_NONFINITE_OPACITIES;

    // 2. offsets of each Gaussian's pairs, visible list sorted by depth (stable LSD radix, ties by id).
    st->gOffset[0] = 0;
    uint64_t total = 0;
    auto& visible = ctx->visible;
    visible.clear();
    for (int64_t i = 0; i < n; ++i) {
        const uint32_t c = st->gOffset[i + 1];
        total += c;
        if (total > 0xFFFFFFF0ull) return COSEG_ERR_TOO_MANY_PAIRS;
        st->gOffset[i + 1] = (uint32_t)total;
        if (c) visible.push_back((uint32_t)i);
    }
    const uint32_t pairs = (uint32_t)total;
    st->pairs = pairs;
    const size_t nv = visible.size();
    grow(ctx->sortTmp, nv);
    grow(ctx->keys, nv);
    grow(ctx->keysTmp, nv);
    for (size_t j = 0; j < nv; ++j) ctx->keys[j] = depth_key(st->splats[visible[j]].z);
    {
        uint32_t* ids = visible.data();
        uint32_t* idsTmp = ctx->sortTmp.data();
        uint32_t* k0 = ctx->keys.data();
        uint32_t* k1 = ctx->keysTmp.data();
        for (int pass = 0; pass < 4; ++pass) {
            const int shift = pass * 8;
            size_t count[257] = {0};
            for (size_t j = 0; j < nv; ++j) ++count[((k0[j] >> shift) & 255u) + 1];
            for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
            for (size_t j = 0; j < nv; ++j) {
                const size_t dst = count[(k0[j] >> shift) & 255u]++;
                k1[dst] = k0[j];
                idsTmp[dst] = ids[j];
            }
            std::swap(k0, k1);
            std::swap(ids, idsTmp);
        }
        // 4 passes: the result is back in the original arrays.
    }

    // 3. stable counting scatter of (tile, Gaussian) pairs in depth order, in parallel chunks.
    grow(st->sorted, pairs);
    grow(st->sortedSplats, pairs);
    grow(ctx->ordered, nv);
    OrderedSplat* ord = ctx->ordered.data();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t j = 0; j < (int64_t)nv; ++j) {
        const uint32_t id = visible[j];
        const int32_t* r = st->rects.data() + 4 * (size_t)id;
        OrderedSplat& o = ord[j];
        o.s = st->splats[id];
        o.s.slot = st->gOffset[id];
        o.x0 = r[0]; o.x1 = r[1]; o.y0 = r[2]; o.y1 = r[3];
    }
    const int chunks = nv == 0 ? 1 : (int)std::min<size_t>((size_t)threads * 4, std::max<size_t>(1, nv / 256));
    grow(ctx->chunkCounts, (size_t)chunks * tiles);
    uint32_t* counts = ctx->chunkCounts.data();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int c = 0; c < chunks; ++c) {
        uint32_t* cnt = counts + (size_t)c * tiles;
        memset(cnt, 0, sizeof(uint32_t) * tiles);
        const size_t b = nv * c / chunks, e = nv * (c + 1) / chunks;
        for (size_t j = b; j < e; ++j) {
            const int x0 = ord[j].x0, x1 = ord[j].x1, y0 = ord[j].y0, y1 = ord[j].y1;
            for (int ty = y0; ty < y1; ++ty)
                for (int tx = x0; tx < x1; ++tx) ++cnt[ty * tilesX + tx];
        }
    }
    {
        uint32_t run = 0;
        for (int t = 0; t < tiles; ++t) {
            st->tileStart[t] = run;
            for (int c = 0; c < chunks; ++c) {
                uint32_t& v = counts[(size_t)c * tiles + t];
                const uint32_t cnt = v;
                v = run;
                run += cnt;
            }
        }
        st->tileStart[tiles] = run;
    }
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int c = 0; c < chunks; ++c) {
        uint32_t* cur = counts + (size_t)c * tiles;
        const size_t b = nv * c / chunks, e = nv * (c + 1) / chunks;
        for (size_t j = b; j < e; ++j) {
            const OrderedSplat& o = ord[j];
            uint32_t slot = o.s.slot;
            for (int ty = o.y0; ty < o.y1; ++ty)
                for (int tx = o.x0; tx < o.x1; ++tx) {
                    const uint32_t pos = cur[ty * tilesX + tx]++;
                    st->sorted[pos] = o.s.id;
                    Splat& dst = st->sortedSplats[pos];
                    dst = o.s;
                    dst.slot = slot++;
                }
        }
    }
    st->valid = true;
    return COSEG_OK;
}

}  // namespace

namespace {

bool camera_ok(const coseg_camera* cam) {
    return cam && cam->width > 0 && cam->height > 0 && cam->fx > 0.f && cam->fy > 0.f && isfinite(cam->cx) &&
           isfinite(cam->cy) && (int64_t)cam->width * cam->height < (1ll << 31);
}

TileArgs tile_args(const coseg_state* st, int channels, const float* colors, const float* background) {
    TileArgs a{};
    a.width = st->cam.width; a.height = st->cam.height;
    a.tilesX = st->tilesX; a.tilesY = st->tilesY; a.channels = channels;
    a.splats = st->splats.data();
    a.colors = colors;
    a.sorted = st->sorted.data();
    a.sortedSplats = st->sortedSplats.data();
    a.tileStart = st->tileStart.data();
    a.background = background;
    return a;
}

TileFn pick(const coseg_context* ctx, TileFn avx2, TileFn base) { return ctx->avx2 ? avx2 : base; }

/// The alpha*T-weighted transpose over a prepared state: per Gaussian, sum_p w_gp F_p into sums (N*C; overwritten when
/// `overwrite`, else added) and sum_p w_gp into weights (N, added; may be null). C may be 0 (weights only).
void run_transpose(coseg_context* ctx, const coseg_state* st, int channels, const float* pixel, float* sums, float* weights,
                   bool overwrite) {
    const int F = channels + 1;
    float* pairAcc = ctx->pairAcc.ensure((size_t)st->pairs * F + 1);
    TileArgs a = tile_args(st, channels, nullptr, nullptr);
    a.pixelFeatures = pixel;
    a.pairAcc = pairAcc;
    run_tiles(ctx, a, pick(ctx, isa_avx2::unproject_tile, isa_base::unproject_tile));
    const int64_t n = st->n;
#pragma omp parallel for num_threads(ctx->threads) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        const uint32_t b = st->gOffset[i], e = st->gOffset[i + 1];
        float* fs = channels > 0 ? sums + (size_t)i * channels : nullptr;
        if (overwrite) for (int c = 0; c < channels; ++c) fs[c] = 0.f;
        if (b == e) continue;
        float w = 0.f;
        for (uint32_t j = b; j < e; ++j) {
            const float* src = pairAcc + (size_t)j * F;
            for (int c = 0; c < channels; ++c) fs[c] += src[c];
            w += src[channels];
        }
        if (weights) weights[i] += w;
    }
}

}  // namespace

extern "C" {

int coseg_abi_version(void) { return 2; }

coseg_context* coseg_context_create(int threads, int flags) {
    try {
        auto* ctx = new coseg_context();
        ctx->threads = threads > 0 ? threads : omp_get_max_threads();
        if (ctx->threads < 1) ctx->threads = 1;
        __builtin_cpu_init();
        ctx->avx2 = !(flags & COSEG_CTX_FORCE_BASELINE) && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        ctx->scratch.resize((size_t)ctx->threads);
        return ctx;
    } catch (...) {
        return nullptr;
    }
}

void coseg_context_destroy(coseg_context* ctx) { delete ctx; }

int coseg_context_uses_avx2(const coseg_context* ctx) { return ctx && ctx->avx2 ? 1 : 0; }

coseg_state* coseg_state_create(void) {
    try { return new coseg_state(); } catch (...) { return nullptr; }
}

void coseg_state_destroy(coseg_state* state) { delete state; }

int coseg_forward(coseg_context* ctx, coseg_state* st, const coseg_camera* cam, int64_t n, int channels,
                  const float* means, const float* scales, const float* quats, const float* opacities,
                  const float* colors, const float* background, float* out_colors, float* out_alpha,
                  float* out_depth, int32_t* out_radii) {
    if (!ctx || !st || !camera_ok(cam) || n < 0 || n >= (1ll << 32) || channels < 1) return COSEG_ERR_ARGUMENT;
    if (n > 0 && (!means || !scales || !quats || !opacities || !colors || !out_radii)) return COSEG_ERR_ARGUMENT;
    if (!out_colors || !out_alpha || !out_depth) return COSEG_ERR_ARGUMENT;
    try {
        if (n > 0 && !finite_all(colors, (size_t)n * channels, ctx->threads)) return COSEG_ERR_NONFINITE_COLORS;
        const int rc = prepare(ctx, st, *cam, n, channels, means, scales, quats, opacities, out_radii);
        if (rc != COSEG_OK) return rc;
        TileArgs a = tile_args(st, channels, colors, background);
        a.outColors = out_colors; a.outAlpha = out_alpha; a.outDepth = out_depth;
        a.finalT = st->finalT.data(); a.lastIdx = st->lastIdx.data();
        run_tiles(ctx, a, pick(ctx, isa_avx2::forward_tile, isa_base::forward_tile));
        return COSEG_OK;
    } catch (const std::bad_alloc&) {
        st->valid = false;
        return COSEG_ERR_MEMORY;
    }
}

int coseg_backward(coseg_context* ctx, const coseg_state* st, const coseg_camera* cam, int64_t n, int channels,
                   const float* means, const float* scales, const float* quats, const float* opacities,
                   const float* colors, const float* background, const float* grad_colors, const float* grad_alpha,
                   const float* grad_depth, float* g_means, float* g_scales, float* g_quats, float* g_opacities,
                   float* g_colors, float* g_means2d) {
    if (!ctx || !st || !camera_ok(cam) || channels < 1 || !grad_colors) return COSEG_ERR_ARGUMENT;
    if (!st->valid || st->n != n || st->channels != channels || st->cam.width != cam->width ||
        st->cam.height != cam->height)
        return COSEG_ERR_STATE;
    if (n > 0 && (!means || !scales || !quats || !opacities || !colors || !g_means || !g_scales || !g_quats ||
                  !g_opacities || !g_colors || !g_means2d))
        return COSEG_ERR_ARGUMENT;
    try {
        const int F = 7 + channels;
        float* pairAcc = ctx->pairAcc.ensure((size_t)st->pairs * F + 1);
        TileArgs a = tile_args(st, channels, colors, background);
        a.finalT = const_cast<float*>(st->finalT.data());
        a.lastIdx = const_cast<int32_t*>(st->lastIdx.data());
        a.gradColors = grad_colors; a.gradAlpha = grad_alpha; a.gradDepth = grad_depth;
        a.pairAcc = pairAcc;
        run_tiles(ctx, a, pick(ctx, isa_avx2::backward_tile, isa_base::backward_tile));
        // Deterministic reduction: each Gaussian sums its tiles' partials in tile order.
        const coseg_camera camera = st->cam;
#pragma omp parallel for num_threads(ctx->threads) schedule(static)
        for (int64_t i = 0; i < n; ++i) {
            float* gm = g_means + 3 * i; float* gs = g_scales + 3 * i; float* gq = g_quats + 4 * i;
            float* gc = g_colors + (size_t)i * channels;
            gm[0] = gm[1] = gm[2] = 0.f; gs[0] = gs[1] = gs[2] = 0.f; gq[0] = gq[1] = gq[2] = gq[3] = 0.f;
            for (int c = 0; c < channels; ++c) gc[c] = 0.f;
            g_opacities[i] = 0.f; g_means2d[2 * i] = g_means2d[2 * i + 1] = 0.f;
            const uint32_t b = st->gOffset[i], e = st->gOffset[i + 1];
            if (b == e) continue;
            float acc[7] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
            for (uint32_t j = b; j < e; ++j) {
                const float* src = pairAcc + (size_t)j * F;
                for (int f = 0; f < 7; ++f) acc[f] += src[f];
                for (int c = 0; c < channels; ++c) gc[c] += src[7 + c];
            }
            g_means2d[2 * i] = acc[0]; g_means2d[2 * i + 1] = acc[1];
            g_opacities[i] = acc[5];
            project_gaussian_backward(camera, means + 3 * i, scales + 3 * i, quats + 4 * i, acc[0], acc[1], acc[2],
                                      acc[3], acc[4], acc[6], gm, gs, gq);
        }
        return COSEG_OK;
    } catch (const std::bad_alloc&) {
        return COSEG_ERR_MEMORY;
    }
}

int coseg_backward_channels(coseg_context* ctx, const coseg_state* st, const coseg_camera* cam, int64_t n, int channels,
                            const float* grad_colors, float* g_colors) {
    if (!ctx || !st || !camera_ok(cam) || channels < 1 || !grad_colors) return COSEG_ERR_ARGUMENT;
    if (!st->valid || st->n != n || st->cam.width != cam->width || st->cam.height != cam->height) return COSEG_ERR_STATE;
    if (n > 0 && !g_colors) return COSEG_ERR_ARGUMENT;
    try {
        if (!finite_all(grad_colors, (size_t)cam->width * cam->height * channels, ctx->threads)) return COSEG_ERR_NONFINITE_FEATURES;
        // The transpose of the forward blend: the unprojection pass over the saved sorted lists.
        run_transpose(ctx, st, channels, grad_colors, g_colors, nullptr, true);
        return COSEG_OK;
    } catch (const std::bad_alloc&) {
        return COSEG_ERR_MEMORY;
    }
}

int coseg_unproject(coseg_context* ctx, const coseg_camera* cam, int64_t n, int channels, const float* means,
                    const float* scales, const float* quats, const float* opacities, const float* pixel_features,
                    float* feature_sums, float* weight_sums) {
    if (!ctx || !camera_ok(cam) || n < 0 || n >= (1ll << 32) || channels < 0) return COSEG_ERR_ARGUMENT;
    if (channels > 0 && !pixel_features) return COSEG_ERR_ARGUMENT;
    if (n > 0 && (!means || !scales || !quats || !opacities || !weight_sums || (channels > 0 && !feature_sums))) return COSEG_ERR_ARGUMENT;
    try {
        if (channels > 0 && !finite_all(pixel_features, (size_t)cam->width * cam->height * channels, ctx->threads))
            return COSEG_ERR_NONFINITE_FEATURES;
        coseg_state* st = &ctx->unprojectState;
        const int rc = prepare(ctx, st, *cam, n, channels, means, scales, quats, opacities, nullptr);
        if (rc != COSEG_OK) return rc;
        run_transpose(ctx, st, channels, pixel_features, feature_sums, weight_sums, false);
        return COSEG_OK;
    } catch (const std::bad_alloc&) {
        return COSEG_ERR_MEMORY;
    }
}

int coseg_top_contributor(coseg_context* ctx, const coseg_camera* cam, int64_t n, const float* means,
                          const float* scales, const float* quats, const float* opacities, int32_t* out_index,
                          float* out_weight) {
    if (!ctx || !camera_ok(cam) || n < 0 || n >= (1ll << 31) || !out_index || !out_weight) return COSEG_ERR_ARGUMENT;
    if (n > 0 && (!means || !scales || !quats || !opacities)) return COSEG_ERR_ARGUMENT;
    try {
        coseg_state* st = &ctx->unprojectState;
        const int rc = prepare(ctx, st, *cam, n, 1, means, scales, quats, opacities, nullptr);
        if (rc != COSEG_OK) return rc;
        TileArgs a = tile_args(st, 1, nullptr, nullptr);
        a.topIndex = out_index;
        a.topWeight = out_weight;
        run_tiles(ctx, a, pick(ctx, isa_avx2::top_contributor_tile, isa_base::top_contributor_tile));
        return COSEG_OK;
    } catch (const std::bad_alloc&) {
        return COSEG_ERR_MEMORY;
    }
}

int coseg_sh_forward(int threads, int64_t n, int k, int degree, const float* means, const float* sh,
                     const float* campos, float* out_rgb) {
    if (n < 0 || degree < 0 || degree > 3 || k < (degree + 1) * (degree + 1) || !campos) return COSEG_ERR_ARGUMENT;
    if (n > 0 && (!means || !sh || !out_rgb)) return COSEG_ERR_ARGUMENT;
    if (threads <= 0) threads = omp_get_max_threads();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < n; ++i) sh_eval(degree, sh + (size_t)i * k * 3, means + 3 * i, campos, out_rgb + 3 * i);
    return COSEG_OK;
}

int coseg_sh_backward(int threads, int64_t n, int k, int degree, const float* means, const float* sh,
                      const float* campos, const float* grad_rgb, float* g_sh, float* g_means) {
    if (n < 0 || degree < 0 || degree > 3 || k < (degree + 1) * (degree + 1) || !campos) return COSEG_ERR_ARGUMENT;
    if (n > 0 && (!means || !sh || !grad_rgb || !g_sh || !g_means)) return COSEG_ERR_ARGUMENT;
    if (threads <= 0) threads = omp_get_max_threads();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        float* gs = g_sh + (size_t)i * k * 3;
        for (int j = 0; j < k * 3; ++j) gs[j] = 0.f;
        float* gm = g_means + 3 * i;
        gm[0] = gm[1] = gm[2] = 0.f;
        sh_eval_backward(degree, sh + (size_t)i * k * 3, means + 3 * i, campos, grad_rgb + 3 * i, gs, gm);
    }
    return COSEG_OK;
}

}  // extern "C"

extern "C" {

// Number of (pixel, Gaussian) blends of the forward call that filled `st` (the backward pass revisits the same
// set). A scalar recount from the saved state, for benchmarks only: the tile kernels do not count.
int coseg_count_blends(coseg_context* ctx, const coseg_state* st, int64_t* out_blends) {
    if (!ctx || !st || !out_blends || !st->valid) return COSEG_ERR_ARGUMENT;
    const int W = st->cam.width, H = st->cam.height, tx = st->tilesX, tiles = st->tilesX * st->tilesY;
    int64_t total = 0;
#pragma omp parallel for num_threads(ctx->threads) schedule(dynamic, 1) reduction(+ : total)
    for (int t = 0; t < tiles; ++t) {
        const int x0 = (t % tx) * coseg::kTile, y0 = (t / tx) * coseg::kTile;
        const uint32_t start = st->tileStart[t];
        for (int y = y0; y < y0 + coseg::kTile && y < H; ++y)
            for (int x = x0; x < x0 + coseg::kTile && x < W; ++x) {
                const int32_t last = st->lastIdx[(size_t)y * W + x];
                for (int32_t k = 0; k < last; ++k) {
                    const coseg::Splat& s = st->sortedSplats[start + k];
                    if (!(s.ex >= 0.f)) continue;
                    const float dx = s.mx - (x + 0.5f), dy = s.my - (y + 0.5f);
                    const float power = -0.5f * (s.ca * dx * dx + s.cc * dy * dy) - s.cb * dx * dy;
                    if (power > 0.f) continue;
                    const float alpha = fminf(s.op * expf(power), coseg::kMaxAlpha);
                    if (alpha < coseg::kMinAlpha) continue;
                    ++total;
                }
            }
    }
    *out_blends = total;
    return COSEG_OK;
}

}  // extern "C"
