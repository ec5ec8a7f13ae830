// The examples in README.md and docs/*.md, run (docs/architecture.md, "Examples in the docs"): a
// fenced block whose first line is `$ build/dfsim ...` must show what that command prints now,
// numbers included, and a command shown without its output must parse and name files that exist.
// A change that alters an example fails here until the doc is updated.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli_fixture.h"

namespace dfsim::test {
namespace {

namespace fs = std::filesystem;

// One fenced block of a Markdown file.
struct Fence {
    std::string file;  // relative to the source tree, e.g. "README.md"
    int line = 0;  // 1-based line of the opening ```
    std::string marker;  // the text of a `<!-- doc-example: TEXT -->` line right above the fence ("" if none)
    std::vector<std::string> body;
    int body_line(size_t i) const { return line + 1 + static_cast<int>(i); }
};

// The Markdown files whose examples are checked: README.md and docs/*.md, relative to the tree.
std::vector<std::string> doc_files() {
    std::vector<std::string> v = {"README.md"};
    for (const fs::directory_entry& e : fs::directory_iterator(fs::path(DFSIM_SOURCE_DIR) / "docs"))
        if (e.path().extension() == ".md") v.push_back("docs/" + e.path().filename().string());
    std::sort(v.begin() + 1, v.end());
    return v;
}

std::vector<std::string> read_lines(const fs::path& p) {
    std::ifstream in(p);
    std::vector<std::string> v;
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
}

// Every fenced block of `lines` (the text of `file`), with the doc-example marker above it if any.
std::vector<Fence> fences_of(const std::string& file, const std::vector<std::string>& lines) {
    static const std::regex open(R"(^\s*```+\s*[^`\s]*\s*$)"), close(R"(^\s*```+\s*$)");
    static const std::regex marker(R"(^\s*<!--\s*doc-example:\s*(.*?)\s*-->\s*$)");
    std::vector<Fence> v;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (!std::regex_match(lines[i], open)) continue;
        Fence f{file, static_cast<int>(i) + 1, "", {}};
        std::smatch mk;
        if (i > 0 && std::regex_match(lines[i - 1], mk, marker)) f.marker = mk[1].str();
        size_t j = i + 1;
        for (; j < lines.size() && !std::regex_match(lines[j], close); ++j) f.body.push_back(lines[j]);
        v.push_back(std::move(f));
        i = j;
    }
    return v;
}

std::vector<Fence> all_fences() {
    std::vector<Fence> v;
    for (const std::string& f : doc_files()) {
        const std::vector<Fence> fs = fences_of(f, read_lines(fs::path(DFSIM_SOURCE_DIR) / f));
        v.insert(v.end(), fs.begin(), fs.end());
    }
    return v;
}

// An example: a block whose first line is a `$ ` command.
bool is_example(const Fence& f) { return !f.body.empty() && f.body[0].rfind("$ ", 0) == 0; }
// A dated measurement kept as it was printed (`<!-- doc-example: record ... -->`): not rerun.
bool is_record(const Fence& f) { return f.marker.rfind("record", 0) == 0; }

// The masks applied to each line of a block and of the output before they are compared: only
// what legitimately varies between runs. Each entry: what it matches and why it varies.
struct Mask {
    std::regex re;
    std::string with;
};
const std::vector<Mask>& masks() {
    static const std::vector<Mask> m = {
        // the commit the binary was built from (`dfsim version`, `dfsim --version`, the reports' `context:` line): every commit moves it
        {std::regex(R"(\(git ([0-9a-f]{7,40}(-modified)?|unknown)\))"), "(git COMMIT)"},
    };
    return m;
}
std::string masked(std::string s) {
    for (const Mask& k : masks()) s = std::regex_replace(s, k.re, k.with);
    return without_host_times(s);  // and the mapper's host time: the machine's speed (tests/cli_fixture.h)
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
}

// One step of the alignment of a block (expected) with the output (actual).
enum class Op { Same, Elided, Dropped, Added };
struct Step {
    Op op;
    size_t e, a;  // indexes into expected / actual
};

// The cheapest alignment of `exp` with `act`: equal (masked) lines align for free, a "..." line of
// `exp` takes any run of `act`'s lines for free, every other line costs 1 (dropped or added).
std::vector<Step> align(const std::vector<std::string>& exp, const std::vector<std::string>& act) {
    const size_t E = exp.size(), A = act.size();
    std::vector<std::vector<size_t>> c(E + 1, std::vector<size_t>(A + 1, 0));
    std::vector<std::string> me, ma;
    for (const std::string& l : exp) me.push_back(masked(l));
    for (const std::string& l : act) ma.push_back(masked(l));
    auto same = [&](size_t i, size_t j) { return me[i] == ma[j]; };
    for (size_t i = E + 1; i-- > 0;)
        for (size_t j = A + 1; j-- > 0;) {
            if (i == E) {
                c[i][j] = A - j;
            } else if (exp[i] == "...") {
                c[i][j] = std::min(c[i + 1][j], j < A ? c[i][j + 1] : c[i + 1][j]);
            } else {
                size_t best = 1 + c[i + 1][j];
                if (j < A) best = std::min({best, 1 + c[i][j + 1], same(i, j) ? c[i + 1][j + 1] : best});
                c[i][j] = best;
            }
        }
    std::vector<Step> s;
    for (size_t i = 0, j = 0; i < E || j < A;) {
        if (i < E && exp[i] == "...") {  // "..." takes as few lines as it can
            if (c[i + 1][j] == c[i][j])
                s.push_back({Op::Same, i++, j});
            else
                s.push_back({Op::Elided, i, j++});
        } else if (i < E && j < A && same(i, j) && c[i + 1][j + 1] == c[i][j]) {
            s.push_back({Op::Same, i++, j++});
        } else if (i < E && 1 + c[i + 1][j] == c[i][j]) {
            s.push_back({Op::Dropped, i++, j});
        } else {
            s.push_back({Op::Added, i, j++});
        }
    }
    return s;
}

// "" when `actual` is what the block `expected` shows (each line masked; a line "..." stands for
// any run of lines), else a unified-style diff ("-" the doc, "+" the output) whose hunks name the
// doc's file:line; `first_line` is the doc line of expected[0].
std::string diff_output(const std::string& file, int first_line, const std::vector<std::string>& expected,
                        const std::string& actual) {
    const std::vector<std::string> act = split_lines(actual);
    std::vector<Step> s = align(expected, act);
    std::erase_if(s, [](const Step& x) { return x.op == Op::Elided; });
    std::vector<bool> show(s.size(), false);
    bool any = false;
    for (size_t k = 0; k < s.size(); ++k)
        if (s[k].op != Op::Same) {
            any = true;
            for (size_t d = k >= 2 ? k - 2 : 0; d < std::min(s.size(), k + 3); ++d) show[d] = true;
        }
    if (!any) return "";
    std::ostringstream os;
    for (size_t k = 0; k < s.size(); ++k) {
        if (!show[k]) continue;
        if (k == 0 || !show[k - 1]) {  // a hunk, named by the doc line of its first change
            size_t c = k;
            while (s[c].op == Op::Same) ++c;
            os << "@@ " << file << ":" << first_line + static_cast<int>(s[c].e) << " @@\n";
        }
        if (s[k].op == Op::Added)
            os << "+" << act[s[k].a] << "\n";
        else
            os << (s[k].op == Op::Same ? " " : "-") << expected[s[k].e] << "\n";
    }
    return os.str();
}

struct Ran {
    int code;
    std::string out, err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// `dfsim ARGS` (ARGS as a shell reads them) run in `dir`, after the assignments in `env`.
Ran run_in(const fs::path& dir, const std::string& args, const std::string& env = "") {
    const fs::path o = dir / ".stdout", e = dir / ".stderr";
    const std::string cmd = "cd '" + dir.string() + "' && " + env + " " + dfsim_binary() + " " + args + " >" +
                            o.string() + " 2>" + e.string();
    const int st = std::system(cmd.c_str());
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(o), slurp(e)};
}

// The arguments after the program of a command line `build/dfsim ARGS` or `dfsim ARGS` ("" if it
// is not one: `found` false).
std::string dfsim_args(const std::string& line, bool& found) {
    for (const char* p : {"build/dfsim ", "dfsim "})
        if (line.rfind(p, 0) == 0) {
            found = true;
            return line.substr(std::string(p).size());
        }
    found = false;
    return "";
}

// A private temporary directory, removed at the end.
struct TempDir {
    fs::path path;
    explicit TempDir(const std::string& name) {
        path = fs::temp_directory_path() / ("dfsim_docs_" + std::to_string(::getpid()) + "_" + name);
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& l : v) s += l + "\n";
    return s;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
}

// Runs the example `f` in a fresh directory that links the tree's files and folders, step by step: `$ cat FILE` writes the lines after it
// into FILE, `$ build/dfsim ARGS` runs and its output (stdout, then stderr if it failed) must be
// the lines after it. Returns the diffs ("" when every step matches).
std::string check_example(const Fence& f) {
    TempDir dir(std::to_string(f.line));
    // the tree's entries, linked: the example reads tests/data/... as from the repository's root
    for (const fs::directory_entry& e : fs::directory_iterator(DFSIM_SOURCE_DIR)) {
        const std::string name = e.path().filename().string();
        if (name[0] != '.' && name.rfind("build", 0) != 0) fs::create_symlink(e.path(), dir.path / name);
    }
    std::string diffs;
    for (size_t i = 0; i < f.body.size();) {
        const std::string cmd = f.body[i].substr(2);
        size_t j = i + 1;
        while (j < f.body.size() && f.body[j].rfind("$ ", 0) != 0) ++j;
        const std::vector<std::string> text(f.body.begin() + static_cast<long>(i) + 1,
                                            f.body.begin() + static_cast<long>(j));
        bool is_dfsim = false;
        const std::string args = dfsim_args(cmd, is_dfsim);
        if (cmd.rfind("cat ", 0) == 0) {
            std::ofstream(dir.path / cmd.substr(4)) << join(text);
        } else if (!is_dfsim) {
            diffs += f.file + ":" + std::to_string(f.body_line(i)) + ": not a dfsim or cat command: " + cmd + "\n";
        } else {
            const Ran r = run_in(dir.path, args);
            std::string out = r.out + (r.code != 0 ? r.err : "");
            replace_all(out, dir.path.string() + "/", "");  // where the example ran: a new folder each time
            const std::string d = diff_output(f.file, f.body_line(i + 1), text, out);
            if (!d.empty())
                diffs += f.file + ":" + std::to_string(f.body_line(i)) + ": `" + cmd + "` (exit code " +
                         std::to_string(r.code) + ") prints something else now (- the doc, + dfsim):\n" + d;
        }
        i = j;
    }
    return diffs;
}

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A command shown without its output: its doc line and the arguments after `build/dfsim`.
struct DocCommand {
    int line;
    std::string args;
};

// The commands of a block: its lines that start with `build/dfsim `, `\`-continued lines joined,
// each `$NAME` that an earlier `NAME="..."` line of the block set expanded.
std::vector<DocCommand> commands_of(const Fence& f) {
    static const std::regex assign(R"re(^([A-Za-z_][A-Za-z0-9_]*)="(.*)"\s*$)re");
    std::map<std::string, std::string> vars;
    std::vector<DocCommand> v;
    for (size_t i = 0; i < f.body.size(); ++i) {
        const int line = f.body_line(i);
        std::string l = trim(f.body[i]);
        while (!l.empty() && l.back() == '\\' && i + 1 < f.body.size())
            l = l.substr(0, l.size() - 1) + " " + trim(f.body[++i]);
        std::smatch m;
        if (std::regex_match(l, m, assign)) vars[m[1].str()] = m[2].str();
        if (l.rfind("build/dfsim ", 0) != 0) continue;
        std::string args = l.substr(std::string("build/dfsim ").size());
        for (const auto& [name, value] : vars) replace_all(args, "$" + name, value);
        v.push_back({line, args});
    }
    return v;
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> v;
    for (std::string w; in >> w;) v.push_back(w);
    return v;
}

// The files a command reads (by option) and writes (by option: files or folders).
const std::set<std::string> kInputOptions = {"--arch", "--workload", "--energy", "--mapping", "--spec", "--in"};
const std::set<std::string> kOutputOptions = {"--out",   "--json",    "--csv",           "--html",
                                              "--trace", "--sidecar", "--mapping-cache", "--scalesim-reports"};

// A synopsis (`[--batch N]`, `pass|cycle`, `...`) rather than a command to run as written.
bool is_synopsis(const std::string& args) {
    return args.find_first_of("[|(") != std::string::npos || args.find("...") != std::string::npos;
}

// What is wrong with a synopsis ("" if nothing): every option it names is one its subcommand's
// --help lists.
std::string check_synopsis(const fs::path& dir, const std::string& args) {
    const std::vector<std::string> w = words(args);
    const Ran help = run_in(dir, w[0] + " --help");
    if (help.code != 0) return "`dfsim " + w[0] + " --help` exits " + std::to_string(help.code) + ": " + help.err;
    std::string bad;
    static const std::regex option(R"(^[\[(]*(--[a-z0-9][a-z0-9-]*).*)");  // [--sbatch-arg=--partition=P: the first
    for (const std::string& word : w) {
        std::smatch m;
        if (!std::regex_match(word, m, option)) continue;
        const std::regex listed("(^|[\\s,])" + m[1].str() + "([\\s,=]|$)");
        if (!std::regex_search(help.out, listed)) bad.append(" ").append(m[1].str());
    }
    return bad.empty() ? "" : "`dfsim " + w[0] + "` has no option" + bad;
}

// What is wrong with a command to run as written ("" if nothing): it parses (DFSIM_PARSE_ONLY=1,
// exit code 0), and every input it names is in the source tree, in `made` (written by an earlier
// command of the block, or a file the doc says the reader makes); its outputs join `made`.
std::string check_command(const fs::path& dir, const std::string& args, std::set<std::string>& made) {
    const Ran r = run_in(dir, args, "DFSIM_PARSE_ONLY=1");
    if (r.code != 0) return "does not parse (exit code " + std::to_string(r.code) + "): " + r.err;
    const std::vector<std::string> w = words(args);
    std::string bad;
    for (size_t i = 0; i + 1 < w.size(); ++i) {
        std::string path = w[i + 1];
        while (path.size() > 1 && path.back() == '/') path.pop_back();
        if (kOutputOptions.count(w[i])) made.insert(path);
        if (kInputOptions.count(w[i]) && !made.count(path) && !fs::exists(fs::path(DFSIM_SOURCE_DIR) / path))
            bad += " " + w[i] + " " + path;
    }
    return bad.empty() ? "" : "names files that are neither in the tree nor made before it:" + bad;
}

// The files a block's marker says the reader makes (`<!-- doc-example: uses F1 F2 (why) -->`).
std::set<std::string> files_the_reader_makes(const Fence& f) {
    std::set<std::string> v;
    if (f.marker.rfind("uses ", 0) != 0) return v;
    for (const std::string& w : words(f.marker.substr(5, f.marker.find('(') - 5))) v.insert(w);
    return v;
}

}  // namespace

// Every command shown without its output parses and names files that exist.
TEST(DocExamples, CommandsWithoutOutputParseAndNameFilesThatExist) {
    TempDir dir("commands");
    int commands = 0;
    for (const Fence& f : all_fences()) {
        if (is_example(f) || is_record(f)) continue;
        std::set<std::string> made = files_the_reader_makes(f);
        for (const DocCommand& c : commands_of(f)) {
            ++commands;
            const std::string why =
                is_synopsis(c.args) ? check_synopsis(dir.path, c.args) : check_command(dir.path, c.args, made);
            EXPECT_EQ(why, "") << f.file << ":" << c.line << ": build/dfsim " << c.args;
        }
    }
    EXPECT_GE(commands, 33);  // as many as the docs held when this test was written
}

// Every example's output is what the command prints now.
TEST(DocExamples, OutputsAreWhatTheCommandsPrint) {
    int examples = 0;
    for (const Fence& f : all_fences()) {
        if (!is_example(f)) continue;
        ++examples;
        const std::string d = check_example(f);
        EXPECT_TRUE(d.empty()) << d
                               << "(update the block from the command's output, and check that the "
                                  "change is meant)";
    }
    EXPECT_GE(examples, 9);  // as many as the docs held when this test was written
}

// A block that shows a dfsim command's output without the command is an example or a record.
TEST(DocExamples, EveryOutputBlockIsAnExampleOrARecord) {
    static const std::regex output(R"(^dfsim( [a-z]+)?: .*)");
    for (const Fence& f : all_fences()) {
        if (is_example(f) || is_record(f) || f.body.empty()) continue;
        EXPECT_FALSE(std::regex_match(f.body[0], output))
            << f.file << ":" << f.line
            << ": shows dfsim's output without its command: begin it with `$ build/dfsim ARGS` (so that "
               "it is run and compared), or mark a dated measurement `<!-- doc-example: record ... -->`";
    }
}

// Changing one digit of an example is a mismatch reported at the doc line of that digit.
TEST(DocExamples, ADigitChangedIsAMismatchAtItsLine) {
    const std::vector<std::string> doc = {"layer  MACs  cycles", "CONV1  1200  345", "total  1200  345"};
    EXPECT_EQ(diff_output("README.md", 10, doc, "layer  MACs  cycles\nCONV1  1200  345\ntotal  1200  345\n"), "");
    const std::string d =
        diff_output("README.md", 10, doc, "layer  MACs  cycles\nCONV1  1200  346\ntotal  1200  345\n");
    // the hunk is named by the line of its change (11), with the lines around it as context
    EXPECT_EQ(d, "@@ README.md:11 @@\n layer  MACs  cycles\n-CONV1  1200  345\n+CONV1  1200  346\n total  1200  345\n");
}

// "..." stands for any run of lines, and the masks hide only the commit.
TEST(DocExamples, ElisionAndMasks) {
    const std::vector<std::string> doc = {"head", "...", "total 5", "dfsim 0.1.0 (git 33f002e1a2b3)"};
    EXPECT_EQ(diff_output("d.md", 3, doc, "head\na\nb\ntotal 5\ndfsim 0.1.0 (git 0123456789ab-modified)\n"), "");
    EXPECT_EQ(diff_output("d.md", 3, doc, "head\ntotal 5\ndfsim 0.1.0 (git 0123456)\n"), "");
    const std::string d = diff_output("d.md", 3, doc, "head\na\ntotal 5\nb\ndfsim 0.1.0 (git 0123456)\n");
    EXPECT_EQ(d, "@@ d.md:6 @@\n ...\n total 5\n+b\n dfsim 0.1.0 (git 33f002e1a2b3)\n") << d;
    // a changed line that "..." could take is reported as the doc's line missing
    const std::string e = diff_output("d.md", 3, doc, "head\na\ntotal 6\ndfsim 0.1.0 (git 0123456)\n");
    EXPECT_NE(e.find("@@ d.md:5 @@"), std::string::npos) << e;
    EXPECT_NE(e.find("-total 5\n"), std::string::npos) << e;
    EXPECT_NE(diff_output("d.md", 3, doc, "head\ntotal 5\ndfsim 0.2.0 (git 0123456)\n"), "");
    EXPECT_NE(diff_output("d.md", 3, doc, "head\ntotal 5\n"), "");
}

}  // namespace dfsim::test
