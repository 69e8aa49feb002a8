#include "storage/sha256.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace emarchive::storage {

namespace {

// EVP_sha256() with EVP_Digest looks the implementation up and builds a context on every call,
// which costs more than hashing a document of a few kilobytes (callgrind: about half of
// sha256()'s instructions during an import). Fetched once; one context per thread.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm;
}

struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

Sha256 sha256(std::string_view data) {
  thread_local const std::unique_ptr<EVP_MD_CTX, ContextFree> context(EVP_MD_CTX_new());
  const EVP_MD* algorithm = sha256_algorithm();
  Sha256 digest{};
  unsigned int size = 0;
  if (!algorithm || !context || EVP_DigestInit_ex2(context.get(), algorithm, nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &size) != 1 || size != digest.size()) {
    throw std::runtime_error("OpenSSL failed to compute a SHA-256 digest");
  }
  return digest;
}

std::string to_hex(const Sha256& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (std::uint8_t byte : digest) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

}  // namespace emarchive::storage
