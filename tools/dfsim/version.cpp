// `dfsim version` and `dfsim --version`: dfsim's version and the git commit it was built from.
#include <iostream>

#include "base/version.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

std::string version_line() { return std::string("dfsim ") + dfsim_version() + " (git " + dfsim_git_commit() + ")"; }

Command add_version_command(CLI::App& parent) {
    parent.set_version_flag("--version", version_line(), "print dfsim's version and git commit, and exit");
    CLI::App* app = parent.add_subcommand("version", "print dfsim's version and git commit");
    return {app, [] {
                std::cout << version_line() << "\n";
                return kExitOk;
            }};
}

}  // namespace dfsim::cli
