// TestDir: the running test's own directory under the temporary directory
// ($TMPDIR, else /tmp), removed with everything in it when the TestDir goes:
// at the end of the test body, or with the fixture that holds it as a member.
// A test that needs several stores or files makes them inside it (NewPath),
// so nothing a test makes is left behind in /tmp.
//
//   TEST(EmbeddedLog, Reopen) {
//     const TestDir tmp("embedded-log");  // /tmp/embedded-log-<pid>-EmbeddedLog-Reopen/
//     const std::string dir = tmp.NewPath("log");  // .../log, for EmbeddedLog::Open to create
//     ...
//
// Only the standard library and gtest: the module tests include it as
// "tests/testdir.h"; tests/testutil.h (the `enrol` binary, OpenSSL) includes
// it for the cross-module suites.
#ifndef ENROL_TESTS_TESTDIR_H_
#define ENROL_TESTS_TESTDIR_H_

#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "gtest/gtest.h"

namespace enrol {

class TestDir {
 public:
  // Makes <temp>/<prefix>-<pid>-<suite>-<test>/, empty (what an earlier,
  // killed run of the same name left is removed). One TestDir a prefix a test.
  explicit TestDir(std::string_view prefix) {
    std::string name = std::string(prefix) + "-" + std::to_string(::getpid());
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info(); info != nullptr) {
      name += std::string("-") + info->test_suite_name() + "-" + info->name();
    }
    for (char& c : name) {
      if (c == '/') c = '_';  // parameterised tests are named Suite/Name/0
    }
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TestDir() {
    std::error_code ignored;  // a destructor does not throw
    std::filesystem::remove_all(path_, ignored);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // path()/name, nothing created there, and what an earlier call of the same
  // name made there removed: for a store that its Open creates, a file to
  // write, or a path that must not exist.
  std::string NewPath(std::string_view name) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::remove_all(p);
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace enrol

#endif  // ENROL_TESTS_TESTDIR_H_
