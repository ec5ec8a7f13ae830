// Fuzzes the network YAML loader (--workload FILE.yaml): workload/layer.h load_network, then the
// layer selection the command line applies to it (select_layers with "all").
#include "fuzz/harness.h"
#include "workload/layer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return dfsim::fuzz::run(data, size, ".yaml",
                            [](const std::string& p) { dfsim::select_layers(dfsim::load_network(p), "all"); });
}
