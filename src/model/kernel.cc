#include "model/kernel.h"

#include <algorithm>

#include "model/fast_exp.h"

// Clones per x86-64 micro-architecture level; see kernel.h.
#define HEIMDALL_KERNEL_CLONES                                     \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", \
                               "arch=x86-64-v2", "default")))

namespace heimdall::model::internal {
namespace {

// Readings scored together by the batch path: enough to keep the SIMD units
// busy, small enough that the block stays in L1.
constexpr size_t kBlock = 64;

// kFeatures == 0 means "read the count at run time"; the fixed counts let
// the compiler keep a whole group's distances in registers.
template <size_t kFeatures>
[[gnu::always_inline]] inline double SumOne(const KernelView& kernel,
                                            const double* row) {
  const size_t features = kFeatures != 0 ? kFeatures : kernel.features;
  double acc[kLanes] = {};
  for (size_t base = 0; base < kernel.stride; base += kLanes) {
    double arg[kLanes] = {};
    for (size_t j = 0; j < features; ++j) {
      const double* center = kernel.centers + j * kernel.stride + base;
      const double x = row[j];
      const double w = kernel.weights[j];
      for (size_t l = 0; l < kLanes; ++l) {
        const double d = x - center[l];
        arg[l] += w * d * d;
      }
    }
    for (size_t l = 0; l < kLanes; ++l) {
      acc[l] += kernel.coefs[base + l] * ExpOfNegative(arg[l]);
    }
  }
  double sum = 0;
  for (size_t l = 0; l < kLanes; ++l) sum += acc[l];
  return sum;
}

// Scores up to kBlock readings at once, one support vector at a time across
// all of them. A short block repeats its last reading so every loop runs
// the full, vectorisable kBlock lanes.
template <size_t kFeatures>
[[gnu::always_inline]] inline void SumBlock(const KernelView& kernel,
                                            const double* rows, size_t count,
                                            double* out) {
  double x[kFeatures][kBlock];
  for (size_t l = 0; l < kBlock; ++l) {
    const double* row = rows + std::min(l, count - 1) * kFeatures;
    for (size_t j = 0; j < kFeatures; ++j) x[j][l] = row[j];
  }

  double acc[kBlock] = {};
  for (size_t i = 0; i < kernel.support_vectors; ++i) {
    double center[kFeatures];
    double weight[kFeatures];
    for (size_t j = 0; j < kFeatures; ++j) {
      center[j] = kernel.centers[j * kernel.stride + i];
      weight[j] = kernel.weights[j];
    }
    const double coef = kernel.coefs[i];
    for (size_t l = 0; l < kBlock; ++l) {
      double arg = 0;
      for (size_t j = 0; j < kFeatures; ++j) {
        const double d = x[j][l] - center[j];
        arg += weight[j] * d * d;
      }
      acc[l] += coef * ExpOfNegative(arg);
    }
  }
  std::copy(acc, acc + count, out);
}

template <size_t kFeatures>
[[gnu::always_inline]] inline void SumBatch(const KernelView& kernel,
                                            const double* rows, size_t n,
                                            double* out) {
  for (size_t first = 0; first < n; first += kBlock) {
    SumBlock<kFeatures>(kernel, rows + first * kFeatures,
                        std::min(kBlock, n - first), out + first);
  }
}

}  // namespace

HEIMDALL_KERNEL_CLONES
double KernelSum(const KernelView& kernel, const double* row) {
  switch (kernel.features) {
    case 1:
      return SumOne<1>(kernel, row);
    case 2:
      return SumOne<2>(kernel, row);
    case 3:
      return SumOne<3>(kernel, row);
    case 4:
      return SumOne<4>(kernel, row);
    default:
      return SumOne<0>(kernel, row);
  }
}

HEIMDALL_KERNEL_CLONES
void KernelSumBatch(const KernelView& kernel, const double* rows, size_t n,
                    double* out) {
  switch (kernel.features) {
    case 1:
      return SumBatch<1>(kernel, rows, n, out);
    case 2:
      return SumBatch<2>(kernel, rows, n, out);
    case 3:
      return SumBatch<3>(kernel, rows, n, out);
    case 4:
      return SumBatch<4>(kernel, rows, n, out);
    default:
      // TODO: models with more than 4 features score one reading at a time
      // here, vectorised only across support vectors; a SumBlock over a
      // runtime feature count with a heap scratch block would vectorise
      // them across readings too.
      for (size_t i = 0; i < n; ++i) {
        out[i] = SumOne<0>(kernel, rows + i * kernel.features);
      }
  }
}

}  // namespace heimdall::model::internal
