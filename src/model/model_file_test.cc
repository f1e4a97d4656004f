#include "model/model_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/train.h"

namespace heimdall::model {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

const Model& TrainedModel() {
  static const Model model = [] {
    TrainOptions options;
    options.standardize = true;
    options.source = "builtin";
    return std::move(Train(BuiltinHealthySet(), options)).value();
  }();
  return model;
}

class ModelFileTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("heimdall_model_file_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }

  // Saves the trained model, applies `edit` to its JSON and loads it back;
  // returns the error message, or "loaded".
  std::string LoadEdited(void (*edit)(json&)) {
    json doc = json::parse(ModelToJson(TrainedModel()));
    edit(doc);
    Result<Model> model = LoadModel(Write("edited.json", doc.dump()));
    return model.ok() ? "loaded" : model.error().message();
  }

  fs::path dir_;
};

TEST_F(ModelFileTest, RoundTripScoresBitForBit) {
  const Model& model = TrainedModel();
  const fs::path path = dir_ / "model.json";
  ASSERT_TRUE(SaveModel(model, path).ok());
  Result<Model> loaded = LoadModel(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();

  EXPECT_EQ(loaded->params().support_vectors, model.params().support_vectors);
  EXPECT_EQ(loaded->params().coefficients, model.params().coefficients);
  EXPECT_EQ(loaded->params().offset, model.params().offset);
  EXPECT_EQ(loaded->params().gamma, model.params().gamma);
  EXPECT_EQ(loaded->params().scaler->mean, model.params().scaler->mean);
  EXPECT_EQ(loaded->params().scaler->scale, model.params().scaler->scale);
  EXPECT_EQ(loaded->features(), model.features());
  EXPECT_EQ(loaded->summary().trained_at, model.summary().trained_at);
  EXPECT_EQ(loaded->summary().decision_stddev, model.summary().decision_stddev);

  const NumericTable probes = BuiltinHealthySet(300, 7);
  for (size_t i = 0; i < probes.rows(); ++i) {
    std::vector<double> x(probes.row(i), probes.row(i) + 3);
    x[i % 3] *= 1.0 + 0.002 * static_cast<double>(i % 50);
    EXPECT_EQ(loaded->Decision(x), model.Decision(x));
  }
  EXPECT_EQ(ModelToJson(*loaded), ModelToJson(model));
}

TEST_F(ModelFileTest, SaveReplacesAtomicallyAndLeavesNoTemporaryFiles) {
  const fs::path path = Write("model.json", "old contents");
  ASSERT_TRUE(SaveModel(TrainedModel(), path).ok());
  EXPECT_TRUE(LoadModel(path).ok());
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) {
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(ModelFileTest, SaveIntoAMissingDirectoryFailsNamingThePath) {
  const fs::path path = dir_ / "no" / "such" / "model.json";
  const Status status = SaveModel(TrainedModel(), path);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find(path.string()), std::string::npos);
  EXPECT_NE(status.ToString().find("No such file"), std::string::npos);
}

TEST_F(ModelFileTest, LoadingAMissingFileNamesIt) {
  Result<Model> model = LoadModel(dir_ / "absent.json");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.error().message(),
            (dir_ / "absent.json").string() +
                ": cannot read: No such file or directory");
}

TEST_F(ModelFileTest, LoadingADirectorySaysSo) {
  Result<Model> model = LoadModel(dir_);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.error().message(),
            dir_.string() + ": is a directory, not a file");
}

TEST_F(ModelFileTest, TruncatedAndCorruptFilesAreRejectedWithTheirName) {
  const std::string text = ModelToJson(TrainedModel());
  for (const std::string& bad :
       {std::string(), text.substr(0, text.size() / 2),
        text.substr(0, text.size() - 3), std::string("\x00\x01garbage", 9),
        std::string("[1, 2, 3]")}) {
    const fs::path path = Write("bad.json", bad);
    Result<Model> model = LoadModel(path);
    ASSERT_FALSE(model.ok()) << bad.size();
    EXPECT_EQ(model.error().message().rfind(path.string() + ": ", 0), 0u)
        << model.error().message();
  }
}

TEST_F(ModelFileTest, RejectsWrongFormatAndVersion) {
  EXPECT_NE(LoadEdited([](json& d) { d["version"] = 2; })
                .find(": format version 2 is not supported (this build reads "
                      "version 1)"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["version"] = "1";
            }).find("format version \"1\" is not supported"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["format"] = "libsvm";
            }).find("format is 'libsvm', not 'heimdall-ocsvm'"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d.erase("format");
            }).find("the document has no 'format'"),
            std::string::npos);
}

TEST_F(ModelFileTest, RejectsInconsistentShapes) {
  EXPECT_NE(LoadEdited([](json& d) {
              d["coefficients"].push_back(0.5);
            }).find("support vectors but"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["support_vectors"][2].erase(0);
            }).find("support vector 3 has 2 values, expected 3"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["features"].push_back("pulse");
            }).find("support vector 1 has 3 values, expected 4"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["scaler"]["mean"].erase(1);
            }).find("2 means and 3 scales for 3 features"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["features"] = json::array();
            }).find("support vector 1 has 3 values, expected 0"),
            std::string::npos);
}

TEST_F(ModelFileTest, RejectsNonNumbersAndNonFiniteNumbers) {
  EXPECT_NE(LoadEdited([](json& d) {
              d["offset"] = nullptr;
            }).find("'offset' is not a number"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["gamma"] = "0.3";
            }).find("'gamma' is not a number"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["gamma"] = -1;
            }).find("gamma -1 is not a positive finite number"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["support_vectors"][0][1] = nullptr;
            }).find("support vector 1 holds null where a number belongs"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["scaler"]["scale"][0] = 0;
            }).find("scaler scale 0 is not a positive"),
            std::string::npos);
  EXPECT_NE(LoadEdited([](json& d) {
              d["probability"]["mapping"] = "probit";
            }).find("unknown probability mapping 'probit'"),
            std::string::npos);

  // JSON has no NaN or Infinity; an overflowing literal must not sneak in.
  std::string text = ModelToJson(TrainedModel());
  const size_t at = text.find("\"offset\": ") + 10;
  text.replace(at, text.find(',', at) - at, "1e999");
  Result<Model> model = LoadModel(Write("overflow.json", text));
  ASSERT_FALSE(model.ok());
}

TEST_F(ModelFileTest, RejectsRepeatedKeys) {
  std::string text = ModelToJson(TrainedModel());
  const size_t at = text.find(" \"offset\": ");
  text.insert(at, " \"offset\": 1e-3,\n");
  Result<Model> model = LoadModel(Write("twice.json", text));
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.error().message().find("key 'offset' appears twice"),
            std::string::npos)
      << model.error().message();

  // "scale" is a key of both "scaler" and "probability": that is fine.
  text = ModelToJson(TrainedModel());
  ASSERT_NE(text.find("\"scale\""), text.rfind("\"scale\""));
  EXPECT_TRUE(LoadModel(Write("ok.json", text)).ok());
}

TEST_F(ModelFileTest, AnUntouchedDocumentLoads) {
  EXPECT_EQ(LoadEdited([](json&) {}), "loaded");
}

TEST(ModelSummaryJson, DescribesTheModelWithoutItsSupportVectors) {
  const Model& model = TrainedModel();
  const json summary = json::parse(ModelSummaryJson(model));
  EXPECT_EQ(summary["format"], "heimdall-ocsvm");
  EXPECT_EQ(summary["features"],
            json({"heart_rate", "oxygen_level", "temperature"}));
  EXPECT_EQ(summary["support_vectors"], model.num_support_vectors());
  EXPECT_EQ(summary["probability"]["mapping"], "logistic");
  EXPECT_EQ(summary["training"]["rows"], 500);
  EXPECT_FALSE(summary.contains("coefficients"));
  EXPECT_EQ(ModelSummaryJson(model).find('\n'), std::string::npos);
}

}  // namespace
}  // namespace heimdall::model
