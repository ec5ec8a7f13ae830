// `dfsim export`: a workload in another simulator's format (SCALE-Sim's topology CSV, Timeloop's
// problem YAML).
#include <iostream>
#include <memory>

#include "base/atomic_file.h"
#include "base/safe_name.h"
#include "base/version.h"
#include "workload/formats/scalesim.h"
#include "workload/formats/timeloop.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

namespace {

struct ExportCli {
    std::string workload = "workloads/alexnet.yaml", format = "scalesim", out;
};

// "# written by dfsim V (git C): dfsim export ...\n": which dfsim wrote a Timeloop file, and how
// (a comment: Timeloop reads the file as it is; a newline in the command line is written '?').
std::string provenance_comment() {
    std::string command = command_line();
    for (char& ch : command)
        if (static_cast<unsigned char>(ch) < 0x20) ch = '?';
    return "# written by dfsim " + std::string(dfsim_version()) + " (git " + dfsim_git_commit() + "): " + command +
           "\n";
}

// One Timeloop problem per conv/fc layer: files LAYER.yaml in --out (made if missing), or a YAML
// stream on stdout (a "---" document per layer).
void export_timeloop(const Network& net, const std::string& out) {
    std::string skipped, stream;
    SafeNames names;
    std::vector<std::pair<std::string, std::string>> files;  // path, content
    for (const Layer& l : net.layers) {
        if (l.on_host()) {
            skipped += (skipped.empty() ? "" : ", ") + l.name;
            continue;
        }
        const std::string yaml = provenance_comment() + to_timeloop_problem(l, net.name);
        if (out.empty())
            stream += "---\n" + yaml;
        else
            files.emplace_back(out + "/" + names.file_name(l.name) + ".yaml", yaml);
    }
    if (!skipped.empty()) std::cerr << "dfsim export: no Timeloop problem for non-conv/fc layers: " << skipped << "\n";
    std::cout << stream;
    for (const auto& [path, yaml] : files) write_file_atomic(path, yaml);
}

int run(const ExportCli& o) {
    if (o.format != "scalesim" && o.format != "timeloop")
        bad_option("--format", "expected one of {scalesim, timeloop}, got '" + o.format + "'");
    if (o.format == "timeloop") {
        if (!o.out.empty()) check_output_dir(o.out);
        export_timeloop(load_network(data_path(o.workload)), o.out);
        return kExitOk;
    }
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
    app->add_option("--format", o->format,
                    "scalesim: SCALE-Sim's topology CSV; timeloop: one Timeloop v0.4 problem YAML per conv/fc layer "
                    "(padding and groups, which Timeloop's CNN-Layer lacks, in comments and extra keys; "
                    "docs/formats.md#timeloop-files)")
        ->capture_default_str();
    app->add_option("--out", o->out,
                    "scalesim: the file to write (atomically); timeloop: the folder for LAYER.yaml files (made if "
                    "missing; written atomically); default: stdout (timeloop: a YAML stream, one '---' document per "
                    "layer)");
    return {app, [o] { return run(*o); }};
}

}  // namespace dfsim::cli
