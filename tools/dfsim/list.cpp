// `dfsim list`: the registered dataflows, one a line: name, a tab, description.
#include <iostream>

#include "dataflows/dataflow.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

Command add_list_command(CLI::App& parent) {
    CLI::App* app = parent.add_subcommand("list", "list the registered dataflows");
    return {app, [] {
                for (const Dataflow* d : all_dataflows()) std::cout << d->name() << "\t" << d->description() << "\n";
                return kExitOk;
            }};
}

}  // namespace dfsim::cli
