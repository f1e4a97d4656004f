// The model file: a versioned, self-describing JSON document.
//
//   {
//     "format": "heimdall-ocsvm", "version": 1,
//     "features": ["heart_rate", ...],
//     "scaler": null | {"mean": [...], "scale": [...]},
//     "kernel": "rbf", "gamma": g, "gamma_rule": "auto", "nu": 0.05,
//     "offset": rho,
//     "probability": {"mapping": "logistic", "scale": 1},
//     "support_vectors": [[...], ...], "coefficients": [...],
//     "training": {"rows": ..., "source": ..., "trained_at": ..., ...}
//   }
//
// Numbers are written with 17 significant digits, so a loaded model scores
// bit-for-bit like the one saved. Loading checks everything Model::Create
// checks plus the format name and version, and every error names the file.
#ifndef HEIMDALL_MODEL_MODEL_FILE_H_
#define HEIMDALL_MODEL_MODEL_FILE_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model/ocsvm.h"

namespace heimdall::model {

inline constexpr std::string_view kModelFormat = "heimdall-ocsvm";
inline constexpr int kModelFormatVersion = 1;

// The model as a model-file document (pretty-printed JSON, ending in '\n').
std::string ModelToJson(const Model& model);

// Parses a model-file document. `name` (usually the file path) starts every
// error message: "model.json: support vector 3 has 2 values, expected 3".
Result<Model> ModelFromJson(std::string_view text, std::string_view name);

// Writes the model to `path` atomically: a temporary file in the same
// directory, flushed and renamed over `path`, so a reader sees the old file
// or the new one, never a partial one. Fails naming the path and the reason.
Status SaveModel(const Model& model, const std::filesystem::path& path);

// Reads and checks the model file at `path`.
Result<Model> LoadModel(const std::filesystem::path& path);

// What a service reports about a loaded model (GET /model): the document
// without the support vectors and coefficients, plus "support_vectors" as a
// count. Compact JSON on one line.
std::string ModelSummaryJson(const Model& model);

}  // namespace heimdall::model

#endif  // HEIMDALL_MODEL_MODEL_FILE_H_
