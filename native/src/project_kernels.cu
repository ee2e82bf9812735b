// CUDA build of the shared per-Gaussian maths (projection and SH), proving the headers compile under nvcc.
// Only built when CMake finds a CUDA compiler; the CPU library does not depend on it.
#include "coseg/project.h"
#include "coseg/sh.h"

namespace coseg {

__global__ void project_kernel(coseg_camera cam, int n, const float* means, const float* scales, const float* quats,
                               int tilesX, int tilesY, float* mean2d, float* conic, int* radii) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    Projected p;
    project_gaussian(cam, means + 3 * i, scales + 3 * i, quats + 4 * i, tilesX, tilesY, p);
    mean2d[2 * i] = p.mx; mean2d[2 * i + 1] = p.my;
    conic[3 * i] = p.ca; conic[3 * i + 1] = p.cb; conic[3 * i + 2] = p.cc;
    radii[i] = p.radius;
}

__global__ void sh_kernel(int n, int k, int degree, const float* means, const float* sh, const float* campos, float* rgb) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    sh_eval(degree, sh + (size_t)i * k * 3, means + 3 * i, campos, rgb + 3 * i);
}

}  // namespace coseg
