#pragma once
/// \file
/// A host-wide, uncompressed copy of a gzipped data file. Node processes that
/// each train a shard read a few rows of Fashion-MNIST at a time; from a
/// gzipped file every read inflates the whole 26 MB again (about 0.2 s of
/// CPU), while from a plain file the rows are read where they lie, and the
/// page cache holds the file once for every process on the host.

#include <string>

namespace troupe::models {

/// The directory plain copies go to: $TROUPE_CACHE_DIR, else
/// $XDG_CACHE_HOME/troupe, else $HOME/.cache/troupe; empty when none is set.
std::string cache_directory();

/// A plain copy of `path` when it is gzipped: made once (one process inflates
/// it under a file lock while others on the host wait, then all share it) in
/// cache_directory(), named after the file's path, size and modification
/// time, so a changed file gets a new copy. `path` itself when it is not
/// gzipped, or when no copy can be made (no cache directory, a full disk):
/// readers then inflate it as before. Never throws for the cache's sake.
std::string plain_copy(const std::string& path);

}  // namespace troupe::models
