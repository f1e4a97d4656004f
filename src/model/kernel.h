// The RBF sum at the heart of scoring, private to the model layer.
//
// Support vectors are stored feature-major (structure of arrays) in input
// units, with per-feature weights gamma / scale_j^2 folded in, so that
//
//   KernelSum(x) = sum_i coef_i * exp(-sum_j w_j * (x_j - c_ji)^2).
//
// The functions are compiled several times for different x86-64 levels
// (AVX-512, AVX2+FMA, SSE4.2, baseline) and the best one for the running CPU
// is picked when the program loads, so the binary runs on any x86-64.
#ifndef HEIMDALL_MODEL_KERNEL_H_
#define HEIMDALL_MODEL_KERNEL_H_

#include <cstddef>

namespace heimdall::model::internal {

// The single-reading path sums support vectors in groups of kLanes, so
// `stride` is a multiple of kLanes and padding has coefficient 0.
inline constexpr size_t kLanes = 8;

// A view of a Model's kernel data; the Model owns the arrays.
struct KernelView {
  size_t features = 0;         // >= 1.
  size_t support_vectors = 0;  // Real support vectors, <= stride.
  size_t stride = 0;           // Row length of `centers`, multiple of kLanes.
  const double* centers = nullptr;  // features x stride.
  const double* weights = nullptr;  // features.
  const double* coefs = nullptr;    // stride; zero past support_vectors.
};

// The kernel sum for one reading of `kernel.features` values.
double KernelSum(const KernelView& kernel, const double* row);

// The kernel sum for `n` row-major readings, written to out[0..n). Equal to
// KernelSum up to rounding (the terms are added in another order).
void KernelSumBatch(const KernelView& kernel, const double* rows, size_t n,
                    double* out);

}  // namespace heimdall::model::internal

#endif  // HEIMDALL_MODEL_KERNEL_H_
