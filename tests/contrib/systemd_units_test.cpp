// contrib/systemd/ as an administrator installs it: systemd itself (systemd-analyze verify) reads
// every unit without a complaint, and each service runs as the emarchive user with the hardening
// docs/OPERATIONS.md describes. Skipped where systemd-analyze is not installed (Debian package
// systemd).

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/test_data.h"

namespace emarchive {
namespace {

namespace fs = std::filesystem;

const fs::path kUnits = fs::path(EMARCHIVE_TEST_DATA) / ".." / ".." / "contrib" / "systemd";
constexpr const char* kInstalledBinary = "/usr/local/bin/emarchive";

// `command`'s exit status and its output (stdout and stderr).
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  return {::pclose(pipe), output};
}

TEST(SystemdUnitsTest, SystemdVerifiesEveryUnit) {
  if (run("command -v systemd-analyze").first != 0) {
    GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd): units not verified";
  }
  // The units name the installed binary; verify checks that it exists, so point them at the one
  // under test.
  testing::TempDir dir;
  std::string files;
  for (const char* name : {"emarchive-ingest.service", "emarchive-serve.service",
                           "emarchive-backup.service", "emarchive-backup.timer"}) {
    std::string text = testing::read_file(kUnits / name);
    for (auto at = text.find(kInstalledBinary); at != std::string::npos;
         at = text.find(kInstalledBinary, at)) {
      text.replace(at, std::string(kInstalledBinary).size(), EMARCHIVE_BINARY);
    }
    std::ofstream(dir / name) << text;
    files += " " + (dir / name).string();
  }
  const auto [status, output] = run("systemd-analyze verify --man=no" + files);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "") << "every complaint of systemd is a mistake in a unit";
}

TEST(SystemdUnitsTest, ServicesRunAsTheirOwnUserWithHardening) {
  for (const char* name :
       {"emarchive-ingest.service", "emarchive-serve.service", "emarchive-backup.service"}) {
    SCOPED_TRACE(name);
    const std::string text = testing::read_file(kUnits / name);
    for (const char* line :
         {"User=emarchive\n", "StateDirectory=emarchive\n", "NoNewPrivileges=yes\n",
          "ProtectSystem=strict\n", "ProtectHome=yes\n", "PrivateTmp=yes\n", "PrivateDevices=yes\n",
          "CapabilityBoundingSet=\n", "MemoryDenyWriteExecute=yes\n", "LockPersonality=yes\n",
          "RestrictNamespaces=yes\n", "SystemCallFilter=@system-service\n"}) {
      EXPECT_NE(text.find(line), std::string::npos) << line;
    }
  }
  const std::string ingest = testing::read_file(kUnits / "emarchive-ingest.service");
  EXPECT_NE(ingest.find("ingest --config /etc/emarchive/ingest.conf --db "
                        "/var/lib/emarchive/archive.db"),
            std::string::npos);
  EXPECT_NE(testing::read_file(kUnits / "emarchive.sysusers").find("u emarchive "),
            std::string::npos);
}

}  // namespace
}  // namespace emarchive
