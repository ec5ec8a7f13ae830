// Fuzzes the SCALE-Sim architecture loader (--arch FILE.cfg): config/arch.h load_arch, which
// reads a file ending in .cfg as config/scalesim_cfg.h says.
#include "config/arch.h"
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return dfsim::fuzz::run(data, size, ".cfg", [](const std::string& p) { dfsim::load_arch(p); });
}
