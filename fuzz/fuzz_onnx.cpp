// Fuzzes the ONNX model loader (--workload FILE.onnx) through load_network, which dispatches on
// the extension as the command line's does.
#include "fuzz/harness.h"
#include "workload/layer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return dfsim::fuzz::run(data, size, ".onnx",
                            [](const std::string& p) { dfsim::select_layers(dfsim::load_network(p), "all"); });
}
