#include "base/version.h"

namespace dfsim {
const char* dfsim_version() { return DFSIM_VERSION; }
}  // namespace dfsim
