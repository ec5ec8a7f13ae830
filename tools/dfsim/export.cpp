// `dfsim export`: a workload in another simulator's format (SCALE-Sim's topology CSV, Timeloop's
// problem YAML), or an energy table as an Accelergy ERT for one architecture (docs/accelergy.md).
#include <iostream>
#include <memory>

#include "base/atomic_file.h"
#include "base/safe_name.h"
#include "base/version.h"
#include "config/accelergy.h"
#include "energy/physical.h"
#include "workload/formats/scalesim.h"
#include "workload/formats/timeloop.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

namespace {

struct ExportCli {
    std::string workload = "workloads/alexnet.yaml", format = "scalesim", out;
    std::string arch = "configs/arch/eyeriss.yaml", energy = "configs/energy/45nm.yaml", area;
    CLI::Option *workload_opt = nullptr, *arch_opt = nullptr, *energy_opt = nullptr, *area_opt = nullptr;
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

// The energy table (--energy, else the architecture's energy_table, else the default) as an
// Accelergy ERT for --arch, with the ART of --area after it; one file (atomically) or stdout.
int export_accelergy(const ExportCli& o) {
    if (o.workload_opt->count() > 0)
        bad_option("--workload", "expected no workload with --format accelergy (it exports an energy table)");
    check_outputs({{"--out", o.out}});
    const ArchParams a = load_cli_arch(o.arch);
    const EnergyTable t = o.energy_opt->count() == 0 && !a.energy_table.empty()
                              ? load_energy_table(a.energy_table)
                              : load_energy_table(data_path(o.energy));
    std::string text = to_accelergy_ert(t, a, provenance_comment());
    if (!o.area.empty()) {
        text += to_accelergy_art(load_accelergy_art(data_path(o.area)));
    } else if (t.area.present) {  // dfsim's own area model (docs/energy.md)
        const AreaBreakdown ar = area_of(a, t.area);
        const double pes = a.num_pes();
        text += to_accelergy_art(
            accelergy_area_table(a, ar.glb * 1e6, {ar.rf[0] * 1e6 / pes, ar.rf[1] * 1e6 / pes, ar.rf[2] * 1e6 / pes},
                                 ar.datapath * 1e6 / pes, ar.other * 1e6 / pes, "dfsim's area model (" + t.file + ")"));
    }
    if (o.out.empty())
        std::cout << text;
    else
        write_file_atomic(o.out, text);
    return kExitOk;
}

int run(const ExportCli& o) {
    if (o.format != "scalesim" && o.format != "timeloop" && o.format != "accelergy")
        bad_option("--format", "expected one of {scalesim, timeloop, accelergy}, got '" + o.format + "'");
    if (o.format == "accelergy") return export_accelergy(o);
    for (const CLI::Option* opt : {o.arch_opt, o.energy_opt, o.area_opt})
        if (opt->count() > 0)
            bad_option(opt->get_name(), "expected only with --format accelergy (" + o.format + " exports a workload)");
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
    CLI::App* app = parent.add_subcommand(
        "export", "write a workload in another simulator's format, or an energy table as an Accelergy ERT");
    o->workload_opt = app->add_option("--workload", o->workload, kWorkloadHelp)->capture_default_str();
    app->add_option("--format", o->format,
                    "scalesim: SCALE-Sim's topology CSV; timeloop: one Timeloop v0.4 problem YAML per conv/fc layer "
                    "(padding and groups, which Timeloop's CNN-Layer lacks, in comments and extra keys; "
                    "docs/formats.md#timeloop-files); accelergy: the energy table as an Accelergy ERT for --arch "
                    "(docs/accelergy.md)")
        ->capture_default_str();
    o->arch_opt =
        app->add_option("--arch", o->arch, "accelergy: the architecture the ERT is for")->capture_default_str();
    o->energy_opt = app->add_option("--energy", o->energy,
                                    "accelergy: the energy table to export (default: the architecture's "
                                    "energy_table, else this)")
                        ->capture_default_str();
    o->area_opt = app->add_option("--area", o->area,
                                  "accelergy: an Accelergy ART (area per component, um^2) written after the ERT");
    app->add_option("--out", o->out,
                    "scalesim, accelergy: the file to write (atomically); timeloop: the folder for LAYER.yaml files "
                    "(made if missing; written atomically); default: stdout (timeloop: a YAML stream, one '---' "
                    "document per layer)");
    return {app, [o] { return run(*o); }};
}

}  // namespace dfsim::cli
