#pragma once
// Self-signed certificates made on the fly for TLS tests, so that no key material lives in the
// repository and none ever expires under a test.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/test_data.h"

namespace emarchive::testing {

struct CertificatePem {
  std::string certificate;
  std::string private_key;
};

// A self-signed P-256 certificate valid from a minute ago for an hour, subject and issuer
// CN=<common_name>, usable as its own CA. `subject_alt_names` are in OpenSSL's form:
// "DNS:localhost", "IP:127.0.0.1". Throws std::runtime_error if OpenSSL fails.
CertificatePem make_self_signed(std::string_view common_name,
                                const std::vector<std::string>& subject_alt_names);

struct TlsFiles {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
};

// Writes `pem` to dir/<stem>.crt and dir/<stem>.key.
TlsFiles write_tls_files(const CertificatePem& pem, const TempDir& dir,
                         std::string_view stem = "server");

}  // namespace emarchive::testing
