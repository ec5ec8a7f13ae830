// Rendering plots with gnuplot (Debian package gnuplot-nox): scripts that take the output base
// name in the variable `outbase` and write outbase.png and outbase.svg are run in their
// directory; images appear under their final names only when gnuplot succeeded.
#pragma once
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.h"

namespace dfsim {

// Gnuplot is missing or failed (a user-facing error; the command line maps it to exit code 2).
class PlotError : public UserError {
public:
    using UserError::UserError;
};

// Throws PlotError unless `gnuplot --version` runs.
void require_gnuplot();
// Runs `<base>.gp` in `dir` for each base, rendering `<base>.png` and `<base>.svg` under temporary
// names first; renames them all only when every script succeeded. Throws PlotError naming the
// failing command and its output.
void render_plots(const std::filesystem::path& dir, const std::vector<std::string>& bases);
// A string literal for a gnuplot script, on one line whatever `s` holds (names are untrusted: a
// newline would end the literal and start a command).
std::string gp_string(const std::string& s);
// A string literal of several lines (joined by gnuplot's "\n" escape), each line as gp_string
// makes it safe: a tick label "8x8\n64", a title and its context line.
std::string gp_string_lines(const std::vector<std::string>& lines);
// A name as one field of a plot's data file or one line of its comments: control characters
// (tab, newline, ...) become '?'.
std::string plot_label(const std::string& s);

}  // namespace dfsim
