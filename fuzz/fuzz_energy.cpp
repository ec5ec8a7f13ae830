// Fuzzes the energy table YAML loader (--energy): config/energy_table.h load_energy_table.
#include "config/energy_table.h"
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return dfsim::fuzz::run(data, size, ".yaml", [](const std::string& p) { dfsim::load_energy_table(p); });
}
