// `dfsim bench`: the speed benchmark (study/bench.h).
#include <iostream>
#include <memory>

#include "study/bench.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

Command add_bench_command(CLI::App& parent) {
    auto o = std::make_shared<CommonOptions>();
    CLI::App* app =
        parent.add_subcommand("bench", "speed benchmark: simulated MACs/s and cycles/s vs a reference conv");
    add_common_options(app, *o);
    return {app, [o] {
                check_one_dataflow(*o);
                const ArchParams a = load_cli_arch(o->arch);
                const EnergyTable t = energy_table(*o, a);
                const Network net = load_selected_network(*o, a);
                // bench's data: synthetic at seed 0, mapped for energy (study/bench.h)
                const Provenance prov = make_provenance(*o, a, t, net, {o->dataflow}, 0, "energy");
                run_bench(net, a, t, o->dataflow, std::cout, o->timing_model(), &prov);
                return kExitOk;
            }};
}

}  // namespace dfsim::cli
