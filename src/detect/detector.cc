#include "detect/detector.h"

#include <algorithm>

#include "common/csv.h"
#include "detect/gaussian_detector.h"
#include "detect/novelty_detector.h"

namespace heimdall::detect {
namespace {

template <typename Options, typename DetectorType>
DetectorKind::Make MakerFor(Result<Options> (*parse)(const DetectorParams&)) {
  return [parse](const DetectorParams& params)
             -> Result<std::unique_ptr<Detector>> {
    Result<Options> options = parse(params);
    if (!options.ok()) return options.error();
    return std::unique_ptr<Detector>(std::make_unique<DetectorType>(*options));
  };
}

std::vector<DetectorKind> BuildKinds() {
  std::vector<DetectorKind> kinds;
  kinds.push_back(
      {"novelty",
       "alerts once per episode when a reading, its rolling mean or its "
       "level at this hour is unlike anything in recent memory",
       NoveltyParamInfo(),
       MakerFor<NoveltyOptions, NoveltyDetector>(&NoveltyOptionsFromParams)});
  kinds.push_back(
      {"gaussian",
       "baseline: two-sided Gaussian tail of the reading against a sliding "
       "window's mean and deviation",
       GaussianParamInfo(),
       MakerFor<GaussianOptions, GaussianDetector>(
           &GaussianOptionsFromParams)});
  return kinds;
}

}  // namespace

const std::vector<DetectorKind>& DetectorKinds() {
  static const std::vector<DetectorKind> kinds = BuildKinds();
  return kinds;
}

Result<DetectorFactory> DetectorFactory::Create(
    std::string_view kind, const DetectorParams& overrides) {
  const std::vector<DetectorKind>& kinds = DetectorKinds();
  const auto found =
      std::find_if(kinds.begin(), kinds.end(),
                   [&](const DetectorKind& k) { return k.name == kind; });
  if (found == kinds.end()) return MakeError("no detector '{}'", kind);

  DetectorParams params;
  for (const DetectorParamInfo& info : found->params) {
    params[info.name] = info.default_value;
  }
  for (const auto& [name, value] : overrides) {
    if (!params.contains(name)) {
      return MakeError("{}: no parameter '{}'", kind, name);
    }
    params[name] = value;
  }
  // Building one detector validates the values.
  Result<std::unique_ptr<Detector>> probe = found->make(params);
  if (!probe.ok()) return probe.error();
  return DetectorFactory(&*found, std::move(params));
}

std::unique_ptr<Detector> DetectorFactory::Make() const {
  // Create checked these parameters, so making cannot fail.
  return std::move(kind_->make(params_).value());
}

std::string DetectorFactory::Describe() const {
  std::string text = kind_->name + "(";
  for (const auto& [name, value] : params_) {
    if (text.back() != '(') text += ", ";
    text += fmt::format("{}={}", name, value);
  }
  return text + ")";
}

Status ParseDetectorParam(std::string_view text, DetectorParams* params) {
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return MakeError("'{}' is not name=value", text);
  }
  Result<double> value = ParseFiniteDouble(text.substr(equals + 1));
  if (!value.ok()) {
    return value.error().Annotate(fmt::format("parameter '{}'", text));
  }
  (*params)[std::string(text.substr(0, equals))] = *value;
  return Status::Ok();
}

}  // namespace heimdall::detect
