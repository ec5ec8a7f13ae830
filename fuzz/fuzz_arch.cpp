// Fuzzes the architecture YAML loader (--arch): config/arch.h load_arch.
#include "config/arch.h"
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return dfsim::fuzz::run(data, size, ".yaml", [](const std::string& p) { dfsim::load_arch(p); });
}
