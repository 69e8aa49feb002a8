#pragma once
// Helpers shared by the tests: where the test documents are, reading them, temporary folders.

#include <filesystem>
#include <string>
#include <vector>

namespace emarchive::testing {

// tests/data in the source tree.
std::filesystem::path data_dir();
// The whole file, bytes unchanged. Fails the calling test (ADD_FAILURE) and returns "" if
// unreadable.
std::string read_file(const std::filesystem::path& path);
// Every regular file below data_dir()/sub, sorted, recursively.
std::vector<std::filesystem::path> files_under(const std::string& sub);

// A fresh directory removed with everything in it when this object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace emarchive::testing
