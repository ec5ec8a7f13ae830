// Fuzzes the .npy readers: read_npy (dfsim quantize --in) and read_npy_int / read_npy_float (a
// workload's data: {ifmap: {file: X.npy}}), each on the same bytes.
#include "fuzz/harness.h"
#include "workload/formats/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dfsim::fuzz::run(data, size, ".npy", [](const std::string& p) { dfsim::read_npy(p); });
    dfsim::fuzz::run(data, size, ".npy", [](const std::string& p) { dfsim::read_npy_int(p); });
    return dfsim::fuzz::run(data, size, ".npy", [](const std::string& p) { dfsim::read_npy_float(p); });
}
