#pragma once
// A directory of its own for the running test, removed when it goes out of scope.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace ocrserve::test {

class ScratchDir {
 public:
  ScratchDir()
      : path_(std::filesystem::path(::testing::TempDir()) /
              (std::string("ocrserve-") + ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() +
               "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
               std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path_ / name, std::ios::binary) << bytes;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace ocrserve::test
