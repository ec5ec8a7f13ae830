// Fuzzes the Timeloop problem loader (--workload FILE.yaml with a top-level `problem:`) through
// load_network, which dispatches on the file's top-level keys as the command line's does.
#include "fuzz/harness.h"
#include "workload/layer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return dfsim::fuzz::run(data, size, ".yaml",
                            [](const std::string& p) { dfsim::select_layers(dfsim::load_network(p), "all"); });
}
