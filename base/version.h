// dfsim's version (CMakeLists.txt's project version), recorded in the keys of stored results so
// that results a different version wrote are simulated again rather than reused, and the git
// commit it was built from (dfsim --version).
#pragma once

namespace dfsim {
const char* dfsim_version();
// The source tree's commit at build time: 12 hex digits, with "-modified" if tracked files
// differed from it, or "unknown" (built outside a git checkout); tools/git_commit.cmake.
const char* dfsim_git_commit();
}  // namespace dfsim
