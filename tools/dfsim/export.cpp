// `dfsim export`: a workload in another simulator's format (SCALE-Sim's topology CSV).
#include <iostream>
#include <memory>

#include "base/atomic_file.h"
#include "workload/formats/scalesim.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

namespace {

struct ExportCli {
    std::string workload = "workloads/alexnet.yaml", format = "scalesim", out;
};

int run(const ExportCli& o) {
    if (o.format != "scalesim") bad_option("--format", "expected one of {scalesim}, got '" + o.format + "'");
    check_outputs({{"--out", o.out}});
    std::string skipped;
    const std::string csv = to_scalesim_csv(load_network(data_path(o.workload)), &skipped);
    if (!skipped.empty()) std::cerr << "dfsim export: no SCALE-Sim row for non-conv/fc layers: " << skipped << "\n";
    if (o.out.empty())
        std::cout << csv;
    else
        write_file_atomic(o.out, csv);
    return kExitOk;
}

}  // namespace

Command add_export_command(CLI::App& parent) {
    auto o = std::make_shared<ExportCli>();
    CLI::App* app = parent.add_subcommand("export", "write a workload in another simulator's format");
    app->add_option("--workload", o->workload, kWorkloadHelp)->capture_default_str();
    app->add_option("--format", o->format, "scalesim: SCALE-Sim's topology CSV")->capture_default_str();
    app->add_option("--out", o->out, "file to write (atomically); default: stdout");
    return {app, [o] { return run(*o); }};
}

}  // namespace dfsim::cli
