#pragma once
/// \file
/// Byte blocks read from a message without CAF's zero-fill, and with their
/// announced size checked first. CAF 0.17 loads a std::vector<unsigned char>
/// by resizing it to the size the message announces (up to 4 GiB: sizes are
/// written in 32 bits), zero-filling it, and only then finding out whether the
/// bytes are there: a message of a few bytes could make a process allocate and
/// clear gigabytes. The message types that carry blocks (Parameters,
/// UpdatePart, SecAggMessage) read them through load_bytes(); the bytes on the
/// wire are the same.

#include <caf/all.hpp>

#include <cstddef>
#include <type_traits>
#include <vector>

namespace troupe::actors {

/// Reads a byte sequence as CAF writes one (its size, then the bytes) straight
/// from the deserializer's buffer: one copy. A size beyond what is left is
/// refused before anything is allocated.
inline caf::error load_byte_block(caf::binary_deserializer& source,
                                  std::vector<unsigned char>& bytes) {
  std::size_t n = 0;
  if (auto err = source.begin_sequence(n)) return err;
  if (n > source.remaining()) return caf::make_error(caf::sec::end_of_stream);
  const auto* from = reinterpret_cast<const unsigned char*>(source.remainder().data());
  bytes.assign(from, from + n);
  source.skip(n);
  return source.end_sequence();
}

/// `f(bytes)` for a loading inspector: through load_byte_block when it is
/// CAF's binary deserializer (as BASP's messages are read), else CAF's path.
template <class Inspector>
typename Inspector::result_type load_bytes(Inspector& f, std::vector<unsigned char>& bytes) {
  static_assert(Inspector::writes_state, "load_bytes reads into `bytes`");
  if constexpr (std::is_base_of<caf::deserializer, Inspector>::value)
    if (auto* source = dynamic_cast<caf::binary_deserializer*>(&f))
      return load_byte_block(*source, bytes);
  return f(bytes);
}

}  // namespace troupe::actors
