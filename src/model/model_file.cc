#include "model/model_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "common/file.h"

namespace heimdall::model {
namespace {

// ordered_json keeps keys in the order written, so a file reads top-down:
// format first, bulk data last.
using json = nlohmann::ordered_json;

json ScalerToJson(const std::optional<Scaler>& scaler) {
  if (!scaler.has_value()) return nullptr;
  return {{"mean", scaler->mean}, {"scale", scaler->scale}};
}

json SummaryToJson(const TrainingSummary& s, size_t support_vectors) {
  return {{"rows", s.rows},
          {"support_vectors", support_vectors},
          {"source", s.source},
          {"trained_at", s.trained_at},
          {"decision_min", s.decision_min},
          {"decision_mean", s.decision_mean},
          {"decision_max", s.decision_max},
          {"decision_stddev", s.decision_stddev},
          {"outlier_fraction", s.outlier_fraction}};
}

// Everything but the support vectors and coefficients.
json HeadToJson(const Model& model) {
  const ModelParams& p = model.params();
  return {{"format", kModelFormat},
          {"version", kModelFormatVersion},
          {"features", p.features},
          {"scaler", ScalerToJson(p.scaler)},
          {"kernel", "rbf"},
          {"gamma", p.gamma},
          {"gamma_rule", p.summary.gamma_rule},
          {"nu", p.summary.nu},
          {"offset", p.offset},
          {"probability",
           {{"mapping", MappingName(p.mapping)}, {"scale", p.mapping_scale}}},
          {"training", SummaryToJson(p.summary, p.coefficients.size())}};
}

// One support vector per line, its coefficient on the line after the
// support-vector block in the same order.
void AppendSupportVectors(const ModelParams& p, std::string* out) {
  const size_t width = p.features.size();
  const size_t count = p.coefficients.size();
  *out += " \"support_vectors\": [\n";
  for (size_t i = 0; i < count; ++i) {
    const auto first =
        p.support_vectors.begin() + static_cast<std::ptrdiff_t>(i * width);
    *out += "  " + json(std::vector<double>(first, first + width)).dump();
    *out += i + 1 < count ? ",\n" : "\n";
  }
  *out += " ],\n \"coefficients\": [\n";
  for (size_t i = 0; i < count; ++i) {
    *out += "  " + json(p.coefficients[i]).dump();
    *out += i + 1 < count ? ",\n" : "\n";
  }
  *out += " ]\n}\n";
}

// Reads typed fields out of a parsed document; the first problem found is
// kept in error_ and every later read is a no-op.
class Reader {
 public:
  const std::optional<Error>& error() const { return error_; }

  const json* Field(const json& object, const char* key, const char* where) {
    if (error_) return nullptr;
    if (!object.is_object()) return Fail("{} is not a JSON object", where);
    const auto it = object.find(key);
    if (it == object.end()) return Fail("{} has no '{}'", where, key);
    return &*it;
  }

  double Number(const json& object, const char* key, const char* where) {
    const json* value = Field(object, key, where);
    if (value == nullptr) return 0;
    if (!value->is_number()) return Fail0("'{}' is not a number", key);
    const double number = value->get<double>();
    if (!std::isfinite(number)) return Fail0("'{}' is not finite", key);
    return number;
  }

  // A whole number >= 0.
  size_t Count(const json& object, const char* key, const char* where) {
    const double number = Number(object, key, where);
    if (!error_ &&
        (number < 0 || number != std::floor(number) || number > 1e15)) {
      Fail("'{}' is not a count", key);
    }
    return error_ ? 0 : static_cast<size_t>(number);
  }

  std::string Text(const json& object, const char* key, const char* where) {
    const json* value = Field(object, key, where);
    if (value == nullptr) return {};
    if (!value->is_string()) {
      Fail("'{}' is not a string", key);
      return {};
    }
    return value->get<std::string>();
  }

  std::vector<double> Numbers(const json& value, const std::string& what) {
    std::vector<double> numbers;
    if (error_) return numbers;
    if (!value.is_array()) {
      Fail("{} is not an array", what);
      return numbers;
    }
    for (const json& item : value) {
      if (!item.is_number()) {
        Fail("{} holds {} where a number belongs", what, item.dump());
        return {};
      }
      numbers.push_back(item.get<double>());
    }
    return numbers;
  }

  template <typename... Args>
  const json* Fail(fmt::format_string<Args...> format, Args&&... args) {
    if (!error_) error_ = MakeError(format, std::forward<Args>(args)...);
    return nullptr;
  }

 private:
  template <typename... Args>
  double Fail0(fmt::format_string<Args...> format, Args&&... args) {
    Fail(format, std::forward<Args>(args)...);
    return 0;
  }

  std::optional<Error> error_;
};

void ReadFormat(Reader& r, const json& doc) {
  const std::string format = r.Text(doc, "format", "the document");
  if (r.error()) return;
  if (format != kModelFormat) {
    r.Fail("format is '{}', not '{}'", format, kModelFormat);
    return;
  }
  const json* version = r.Field(doc, "version", "the document");
  if (version == nullptr) return;
  if (!version->is_number_integer() || *version != kModelFormatVersion) {
    r.Fail("format version {} is not supported (this build reads version {})",
           version->dump(), kModelFormatVersion);
  }
}

std::vector<std::string> ReadFeatures(Reader& r, const json& doc) {
  std::vector<std::string> features;
  const json* list = r.Field(doc, "features", "the document");
  if (list == nullptr) return features;
  if (!list->is_array()) {
    r.Fail("'features' is not an array");
    return features;
  }
  for (const json& name : *list) {
    if (!name.is_string()) {
      r.Fail("feature {} is not a string", name.dump());
      return {};
    }
    features.push_back(name.get<std::string>());
  }
  return features;
}

std::optional<Scaler> ReadScaler(Reader& r, const json& doc) {
  const json* scaler = r.Field(doc, "scaler", "the document");
  if (scaler == nullptr || scaler->is_null()) return std::nullopt;
  const json* mean = r.Field(*scaler, "mean", "'scaler'");
  const json* scale = r.Field(*scaler, "scale", "'scaler'");
  if (mean == nullptr || scale == nullptr) return std::nullopt;
  return Scaler{r.Numbers(*mean, "scaler mean"),
                r.Numbers(*scale, "scaler scale")};
}

void ReadSupportVectors(Reader& r, const json& doc, ModelParams* p) {
  const json* rows = r.Field(doc, "support_vectors", "the document");
  const json* coefs = r.Field(doc, "coefficients", "the document");
  if (rows == nullptr || coefs == nullptr) return;
  p->coefficients = r.Numbers(*coefs, "'coefficients'");
  if (!rows->is_array()) {
    r.Fail("'support_vectors' is not an array");
    return;
  }
  if (rows->size() != p->coefficients.size()) {
    r.Fail("{} support vectors but {} coefficients", rows->size(),
           p->coefficients.size());
    return;
  }
  for (size_t i = 0; i < rows->size() && !r.error(); ++i) {
    const std::vector<double> row =
        r.Numbers((*rows)[i], fmt::format("support vector {}", i + 1));
    if (!r.error() && row.size() != p->features.size()) {
      r.Fail("support vector {} has {} values, expected {} (one per feature)",
             i + 1, row.size(), p->features.size());
    }
    p->support_vectors.insert(p->support_vectors.end(), row.begin(), row.end());
  }
}

void ReadProbability(Reader& r, const json& doc, ModelParams* p) {
  const json* probability = r.Field(doc, "probability", "the document");
  if (probability == nullptr) return;
  const std::string name = r.Text(*probability, "mapping", "'probability'");
  p->mapping_scale = r.Number(*probability, "scale", "'probability'");
  if (r.error()) return;
  Result<ProbabilityMapping> mapping = ParseMapping(name);
  if (!mapping.ok()) {
    r.Fail("{}", mapping.error().message());
    return;
  }
  p->mapping = *mapping;
}

void ReadSummary(Reader& r, const json& doc, TrainingSummary* s) {
  s->gamma_rule = r.Text(doc, "gamma_rule", "the document");
  s->nu = r.Number(doc, "nu", "the document");
  const json* t = r.Field(doc, "training", "the document");
  if (t == nullptr) return;
  s->rows = r.Count(*t, "rows", "'training'");
  s->source = r.Text(*t, "source", "'training'");
  s->trained_at = r.Text(*t, "trained_at", "'training'");
  s->decision_min = r.Number(*t, "decision_min", "'training'");
  s->decision_mean = r.Number(*t, "decision_mean", "'training'");
  s->decision_max = r.Number(*t, "decision_max", "'training'");
  s->decision_stddev = r.Number(*t, "decision_stddev", "'training'");
  s->outlier_fraction = r.Number(*t, "outlier_fraction", "'training'");
}

// The training summary repeats the support-vector count: a file cut or
// edited in its bulk part cannot pass for a smaller model.
void CheckSupportVectorCount(Reader& r, const json& doc, size_t count) {
  const json* t = r.Field(doc, "training", "the document");
  if (t == nullptr) return;
  const size_t stated = r.Count(*t, "support_vectors", "'training'");
  if (!r.error() && stated != count) {
    r.Fail("the training summary says {} support vectors, the file has {}",
           stated, count);
  }
}

Result<ModelParams> ReadParams(const json& doc) {
  Reader r;
  if (!doc.is_object()) return Error("the document is not a JSON object");
  ReadFormat(r, doc);
  ModelParams p;
  p.features = ReadFeatures(r, doc);
  p.scaler = ReadScaler(r, doc);
  if (r.Text(doc, "kernel", "the document") != "rbf" && !r.error()) {
    r.Fail("only the 'rbf' kernel is supported");
  }
  p.gamma = r.Number(doc, "gamma", "the document");
  p.offset = r.Number(doc, "offset", "the document");
  ReadProbability(r, doc, &p);
  ReadSupportVectors(r, doc, &p);
  ReadSummary(r, doc, &p.summary);
  CheckSupportVectorCount(r, doc, p.coefficients.size());
  if (r.error()) return *r.error();
  return p;
}

// Parses `text`, refusing a key repeated within one object: nlohmann would
// keep the last silently, and other readers might keep the first.
Result<json> Parse(std::string_view text) {
  std::vector<std::set<std::string>> open_objects;
  std::optional<std::string> repeated;
  const auto check = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end &&
               !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty() &&
               !open_objects.back().insert(parsed.get<std::string>()).second &&
               !repeated) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  // nlohmann reports syntax errors by exception; it stops here.
  try {
    json doc = json::parse(text, check);
    if (repeated) return MakeError("key '{}' appears twice", *repeated);
    return doc;
  } catch (const json::exception& e) {
    return MakeError("not a valid JSON document ({})", e.what());
  }
}

std::string TempPathFor(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  return fmt::format("{}.tmp.{}.{}", path.string(), ::getpid(),
                     counter.fetch_add(1));
}

Status WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return Error(std::strerror(errno));
    text.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

// Writes `text` to a new file at `temp`, durably.
Status WriteNewFile(const std::string& temp, std::string_view text) {
  const int fd =
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return MakeError("creating {}: {}", temp, std::strerror(errno));
  }
  Status status = WriteAll(fd, text);
  if (status.ok() && ::fsync(fd) != 0) status = Error(std::strerror(errno));
  if (::close(fd) != 0 && status.ok()) status = Error(std::strerror(errno));
  return status.Annotate(fmt::format("writing {}", temp));
}

}  // namespace

std::string ModelToJson(const Model& model) {
  // One key per line, the bulk one row per line. nlohmann writes doubles in
  // the shortest form that reads back to the same bits, which is what the
  // format promises.
  const json head = HeadToJson(model);
  std::string out = "{\n";
  for (const auto& [key, value] : head.items()) {
    out += " " + json(key).dump() + ": " + value.dump() + ",\n";
  }
  AppendSupportVectors(model.params(), &out);
  return out;
}

std::string ModelSummaryJson(const Model& model) {
  json doc = HeadToJson(model);
  doc["support_vectors"] = model.num_support_vectors();
  return doc.dump();
}

Result<Model> ModelFromJson(std::string_view text, std::string_view name) {
  Result<json> doc = Parse(text);
  if (!doc.ok()) return doc.error().Annotate(name);
  Result<ModelParams> params = ReadParams(*doc);
  if (!params.ok()) return params.error().Annotate(name);
  Result<Model> model = Model::Create(std::move(params).value());
  if (!model.ok()) return model.error().Annotate(name);
  return model;
}

Status SaveModel(const Model& model, const std::filesystem::path& path) {
  const std::string temp = TempPathFor(path);
  Status written = WriteNewFile(temp, ModelToJson(model));
  if (written.ok() && std::rename(temp.c_str(), path.c_str()) != 0) {
    written = MakeError("renaming {} to {}: {}", temp, path.string(),
                        std::strerror(errno));
  }
  if (!written.ok()) {
    std::remove(temp.c_str());
    return written.Annotate(fmt::format("saving model {}", path.string()));
  }
  return Status::Ok();
}

Result<Model> LoadModel(const std::filesystem::path& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.error();
  return ModelFromJson(*text, path.string());
}

}  // namespace heimdall::model
