// Scoring speed of the model layer on the peer model (the earlier Python
// predictor's model, trained on ../shared/peer/peer_train.csv).
//
//   HEIMDALL_BENCH_MODEL=model.json  use this model file instead of training
//   HEIMDALL_PEER_DIR=dir            where peer_train.csv lives
//
// libsvm's own svm_predict_values on the same support vectors runs in the
// same process as a reference. bench/model_vs_sklearn.py compares with
// scikit-learn.
#include <benchmark/benchmark.h>
#include <libsvm/svm.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "common/csv.h"
#include "model/model_file.h"
#include "model/ocsvm.h"
#include "model/train.h"

namespace {

using heimdall::model::Model;

std::string PeerDir() {
  if (const char* dir = std::getenv("HEIMDALL_PEER_DIR")) return dir;
  return (std::filesystem::path(__FILE__).parent_path() / ".." / ".." /
          "shared" / "peer")
      .string();
}

Model LoadOrTrain() {
  if (const char* path = std::getenv("HEIMDALL_BENCH_MODEL")) {
    auto model = heimdall::model::LoadModel(path);
    if (model.ok()) return std::move(model).value();
    std::fprintf(stderr, "%s\n", model.error().message().c_str());
    std::exit(1);
  }
  auto data =
      heimdall::ReadNumericTable(PeerDir() + "/peer_train.csv",
                                 {"heart_rate", "oxygen_level", "temperature"});
  if (!data.ok()) {
    std::fprintf(stderr, "%s\n", data.error().message().c_str());
    std::exit(1);
  }
  auto model = heimdall::model::Train(*data, {});
  if (!model.ok()) std::exit(1);
  return std::move(model).value();
}

const Model& PeerModel() {
  static const Model model = LoadOrTrain();
  return model;
}

// Readings drawn like the peer probe points: heart rate 40-200, oxygen
// 70-100, temperature 34-42, row-major.
std::vector<double> Readings(size_t n) {
  std::mt19937_64 engine(7);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<double> rows(n * 3);
  for (size_t i = 0; i < n; ++i) {
    rows[i * 3] = 40 + 160 * unit(engine);
    rows[i * 3 + 1] = 70 + 30 * unit(engine);
    rows[i * 3 + 2] = 34 + 8 * unit(engine);
  }
  return rows;
}

constexpr size_t kCycle = 4096;  // Distinct readings cycled through.

void BM_Decision(benchmark::State& state) {
  const Model& model = PeerModel();
  const std::vector<double> rows = Readings(kCycle);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.Decision({&rows[i * 3], 3}));
    i = (i + 1) % kCycle;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["support_vectors"] =
      static_cast<double>(model.num_support_vectors());
}
BENCHMARK(BM_Decision);

// What a /predict request needs from the model: decision and probability.
void BM_DecisionAndProbability(benchmark::State& state) {
  const Model& model = PeerModel();
  const std::vector<double> rows = Readings(kCycle);
  size_t i = 0;
  for (auto _ : state) {
    const double decision = model.Decision({&rows[i * 3], 3});
    benchmark::DoNotOptimize(model.FailureProbability(decision));
    i = (i + 1) % kCycle;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecisionAndProbability);

void BM_Explain(benchmark::State& state) {
  const Model& model = PeerModel();
  const std::vector<double> rows = Readings(kCycle);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.Explain({&rows[i * 3], 3}));
    i = (i + 1) % kCycle;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Explain);

void BM_DecisionBatch(benchmark::State& state) {
  const Model& model = PeerModel();
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<double> rows = Readings(n);
  std::vector<double> out(n);
  for (auto _ : state) {
    model.DecisionBatch(rows.data(), n, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_DecisionBatch)->Arg(64)->Arg(4096)->Arg(1 << 20);

// The same support vectors in libsvm's own structures, scored with
// svm_predict_values: the reference the fast kernel replaces.
class LibsvmCopy {
 public:
  explicit LibsvmCopy(const Model& model) {
    const auto& p = model.params();
    const size_t count = model.num_support_vectors();
    nodes_.resize(count * 4);
    for (size_t i = 0; i < count; ++i) {
      for (int j = 0; j < 3; ++j) {
        nodes_[i * 4 + j] = {j + 1, p.support_vectors[i * 3 + j]};
      }
      nodes_[i * 4 + 3] = {-1, 0};
      sv_.push_back(&nodes_[i * 4]);
    }
    coefs_ = p.coefficients;
    coef_rows_ = {coefs_.data()};
    rho_ = p.offset;
    svm_.param.svm_type = ONE_CLASS;
    svm_.param.kernel_type = RBF;
    svm_.param.gamma = p.gamma;
    svm_.nr_class = 2;
    svm_.l = static_cast<int>(count);
    svm_.SV = sv_.data();
    svm_.sv_coef = coef_rows_.data();
    svm_.rho = &rho_;
  }
  double Decision(const double* x) const {
    svm_node query[4] = {{1, x[0]}, {2, x[1]}, {3, x[2]}, {-1, 0}};
    double value = 0;
    svm_predict_values(&svm_, query, &value);
    return value;
  }

 private:
  std::vector<svm_node> nodes_;
  std::vector<svm_node*> sv_;
  std::vector<double> coefs_;
  std::vector<double*> coef_rows_;
  double rho_ = 0;
  svm_model svm_{};
};

void BM_LibsvmDecision(benchmark::State& state) {
  const Model& model = PeerModel();
  const LibsvmCopy libsvm(model);
  const std::vector<double> rows = Readings(kCycle);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(libsvm.Decision(&rows[i * 3]));
    i = (i + 1) % kCycle;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LibsvmDecision);

}  // namespace

BENCHMARK_MAIN();
