#pragma once
// The random numbers of the simulator, which must be the same on every platform for the same
// seed (std distributions are implementation-defined, so they are not used).

#include <cstdint>

namespace emarchive::sim {

// splitmix64's finalizer: a bijective 64-bit mix with good avalanche.
inline std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace emarchive::sim
