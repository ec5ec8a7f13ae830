// dfsim's version (CMakeLists.txt's project version), recorded in the keys of stored results so
// that results a different version wrote are simulated again rather than reused.
#pragma once

namespace dfsim {
const char* dfsim_version();
}  // namespace dfsim
