// Fuzzes the sweep spec YAML loader (dfsim sweep --spec): study/sweep.h load_sweep_spec, then
// the expansion into points (relative paths resolve against the source tree, as the command
// line's data_path does for a spec's shipped files).
#include "fuzz/harness.h"
#include "study/sweep.h"

extern "C" int sc_main(int, char**) { return 0; }  // SystemC's library (linked by study) calls it; never run here

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return dfsim::fuzz::run(data, size, ".yaml", [](const std::string& p) {
        auto resolve = [](const std::string& f) { return f.empty() || f[0] == '/' ? f : DFSIM_SOURCE_DIR "/" + f; };
        const dfsim::SweepFile f = dfsim::load_sweep_spec(p, resolve);
        if (dfsim::expand(f.spec).size() > 4096) return;  // a large product is legal; not this harness's concern
    });
}
