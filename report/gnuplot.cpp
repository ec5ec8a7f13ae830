#include "report/gnuplot.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace dfsim {

namespace fs = std::filesystem;

namespace {

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return q + "'";
}

struct Command {
    int status = -1;  // exit code; -1 if it could not be run or did not exit normally
    std::string output;  // stdout and stderr
};

Command run_command(const std::string& cmd) {
    Command r;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
    const int st = ::pclose(p);
    if (st != -1 && WIFEXITED(st)) r.status = WEXITSTATUS(st);
    return r;
}

// The command's output on one line, shortened, for an error message.
std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (s.size() > 400) s = s.substr(0, 400) + "...";
    return s.empty() ? "no output" : s;
}

}  // namespace

// A string literal for a gnuplot script (double-quoted: backslash escapes apply).
std::string gp_string(const std::string& s) {
    std::string q = "\"";
    for (char ch : plot_label(s)) {
        if (ch == '"' || ch == '\\') q += '\\';
        q += ch;
    }
    return q + "\"";
}

std::string gp_string_lines(const std::vector<std::string>& lines) {
    std::string q = "\"";
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string one = gp_string(lines[i]);
        q += (i ? "\\n" : "") + one.substr(1, one.size() - 2);
    }
    return q + "\"";
}

std::string plot_label(const std::string& s) {
    std::string out = s;
    for (char& ch : out)
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
    return out;
}

void require_gnuplot() {
    const Command r = run_command("gnuplot --version");
    if (r.status != 0)
        throw PlotError("cannot run gnuplot (the command 'gnuplot --version' failed: " + one_line(r.output) +
                        "); install it (Debian package gnuplot-nox, see tools/install-deps.sh)");
}

void render_plots(const fs::path& dir, const std::vector<std::string>& bases) {
    const std::string tag = ".tmp." + std::to_string(::getpid());
    std::vector<std::pair<fs::path, fs::path>> renders;  // temporary -> final
    auto discard = [&] {
        std::error_code ec;
        for (const auto& [tmp, fin] : renders) fs::remove(tmp, ec);
    };
    for (const std::string& base : bases) {
        const std::string outbase = base + tag;
        for (const char* ext : {".png", ".svg"}) renders.emplace_back(dir / (outbase + ext), dir / (base + ext));
        const std::string cmd = "cd " + shell_quote(dir.string()) + " && gnuplot -e \"outbase='" + outbase + "'\" " +
                                shell_quote(base + ".gp");
        const Command r = run_command(cmd);
        if (r.status != 0) {
            discard();
            throw PlotError("gnuplot failed (exit " + std::to_string(r.status) + ") on the command '" + cmd +
                            "': " + one_line(r.output));
        }
    }
    for (const auto& [tmp, fin] : renders) {
        std::error_code ec;
        if (!fs::exists(tmp, ec) || fs::file_size(tmp, ec) == 0) {
            discard();
            throw PlotError("gnuplot wrote no " + fin.filename().string() + " (expected " + tmp.string() + ")");
        }
    }
    for (const auto& [tmp, fin] : renders) {
        std::error_code ec;
        fs::rename(tmp, fin, ec);
        if (ec) {
            discard();
            throw PlotError("cannot rename " + tmp.string() + " to " + fin.string() + ": " + ec.message());
        }
    }
}

}  // namespace dfsim
