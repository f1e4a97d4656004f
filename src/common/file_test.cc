#include "common/file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

namespace heimdall {
namespace {

class ReadFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-file-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(ReadFileTest, ReadsEveryByte) {
  const std::string bytes("a\0b\r\nc", 6);
  std::ofstream(dir_ / "f", std::ios::binary) << bytes;
  Result<std::string> text = ReadFile(dir_ / "f");
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(*text, bytes);

  std::ofstream(dir_ / "empty");
  EXPECT_EQ(ReadFile(dir_ / "empty").value(), "");
}

TEST_F(ReadFileTest, RefusesMissingFilesAndDirectoriesNamingThem) {
  Result<std::string> missing = ReadFile(dir_ / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            (dir_ / "nope").string() +
                ": cannot read: No such file or directory");

  Result<std::string> directory = ReadFile(dir_);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message(),
            dir_.string() + ": is a directory, not a file");
}

}  // namespace
}  // namespace heimdall
