// `dfsim run --html` and `dfsim compare --html`: the page's tables hold the numbers of the JSON
// report of the same run, names are escaped, the charts are inlined PNGs, and (when chromium is
// installed) a real browser loads the page without errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
// GCC 12 reports a false -Wmaybe-uninitialized inside libstdc++'s <regex> when built with the
// sanitizers at -O2 (std::function in regex_automaton.h); the header is not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <string>
#include <vector>

#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

using Row = std::vector<std::string>;
using Table = std::vector<Row>;  // the header row first

// Every <table> of the page as rows of cell texts (cells hold escaped text, no markup).
std::vector<Table> tables(const std::string& html) {
    std::vector<Table> out;
    const std::regex cell("<t[hd][^>]*>([^<]*)</t[hd]>");
    size_t pos = 0;
    while ((pos = html.find("<table", pos)) != std::string::npos) {
        const size_t end = html.find("</table>", pos);
        if (end == std::string::npos) break;
        Table t;
        size_t r = pos;
        while ((r = html.find("<tr", r)) != std::string::npos && r < end) {
            const size_t re = html.find("</tr>", r);
            const std::string tr = html.substr(r, re - r);
            Row row;
            for (auto it = std::sregex_iterator(tr.begin(), tr.end(), cell); it != std::sregex_iterator(); ++it)
                row.push_back((*it)[1]);
            // header rows above the last (groups of columns) are left out: the header is the last
            if (t.size() == 1 && tr.find("<td") == std::string::npos) t.clear();
            t.push_back(row);
            r = re;
        }
        out.push_back(t);
        pos = end;
    }
    return out;
}

// The table whose header has every one of `cols`; fails the test if there is none.
Table find_table(const std::string& html, const std::vector<std::string>& cols) {
    for (const Table& t : tables(html)) {
        if (t.empty()) continue;
        bool all = true;
        for (const std::string& c : cols) all = all && std::find(t[0].begin(), t[0].end(), c) != t[0].end();
        if (all) return t;
    }
    ADD_FAILURE() << "no table with the asked columns";
    return {};
}

size_t col(const Table& t, const std::string& name) {
    return static_cast<size_t>(std::find(t[0].begin(), t[0].end(), name) - t[0].begin());
}

std::string base64_decode(const std::string& s) {
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    unsigned buf = 0;
    int bits = 0;
    for (char c : s) {
        const int v = val(c);
        if (v < 0) break;  // '=' padding
        buf = (buf << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buf >> bits) & 0xff);
        }
    }
    return out;
}

// The decoded data: URIs of the <img> elements (found by hand: std::regex recurses per
// character and overflows the stack on a long URI).
std::vector<std::string> inline_pngs(const std::string& html) {
    std::vector<std::string> out;
    const std::string prefix = "src=\"data:image/png;base64,";
    for (size_t p = 0; (p = html.find("<img ", p)) != std::string::npos; ++p) {
        const size_t s = html.find(prefix, p), tag_end = html.find('>', p);
        if (s == std::string::npos || s > tag_end) continue;
        const size_t b = s + prefix.size(), e = html.find('"', b);
        out.push_back(base64_decode(html.substr(b, e - b)));
    }
    return out;
}

// A cell with an SI prefix ("1.23 µJ", "48.8 nJ·s", "7.43 ms") as a number in the base unit.
double si_number(const std::string& cell) {
    size_t end = 0;
    const double m = std::stod(cell, &end);
    const std::string rest = cell.substr(end + 1);  // after the space
    const std::vector<std::pair<std::string, double>> prefixes = {{"f", 1e-15}, {"p", 1e-12}, {"n", 1e-9},
                                                                  {"µ", 1e-6},  {"m", 1e-3},  {"k", 1e3},
                                                                  {"M", 1e6},   {"G", 1e9},   {"T", 1e12}};
    for (const auto& [p, f] : prefixes)
        if (rest.rfind(p, 0) == 0 && rest.size() > p.size() + 0) return m * f;
    return m;
}

// The page's text (what a reader sees): tags, and so the attributes (data: URIs), removed.
std::string visible_text(const std::string& html) {
    std::string out;
    bool in_tag = false, in_style = false;
    for (size_t i = 0; i < html.size(); ++i) {
        if (html.compare(i, 7, "<style>") == 0) in_style = true;
        if (html.compare(i, 8, "</style>") == 0) in_style = false;
        if (html[i] == '<') in_tag = true;
        if (!in_tag && !in_style) out += html[i];
        if (html[i] == '>') in_tag = false;
    }
    return out;
}

// A number in exponent notation in the text (1.02707e+09), or "".
std::string exponent_number(const std::string& shown) {
    // not in a git commit (hex digits such as 93e45) or a hex hash: those are not numbers
    static const std::regex hex("\\b[0-9a-f]{7,40}\\b");
    const std::string text = std::regex_replace(shown, hex, "HASH");
    static const std::regex e("[0-9.][eE][+-]?[0-9]");
    std::smatch m;
    if (!std::regex_search(text, m, e)) return "";
    const size_t at = static_cast<size_t>(m.position(0));
    return text.substr(at < 20 ? 0 : at - 20, 40);
}

void expect_close(const std::string& cell, double want, double rel, const std::string& what) {
    const double got = std::stod(cell);
    EXPECT_LE(std::fabs(got - want), rel * std::fabs(want) + 1e-12) << what << ": cell " << cell << ", JSON " << want;
}

class Html : public TempDirTest {
protected:
    std::string arch() { return src("configs/arch/eyeriss.yaml"); }
    // layer names that must be escaped
    std::string net() {
        return write("net.yaml", R"(name: small
layers:
  - {name: "A<1>&x", C: 3, H: 15, W: 15, M: 8, R: 3, S: 3, padding: 1, requant: {multiplier: 1, shift: 8, relu: true}}
  - {name: "B&b", C: 8, H: 15, W: 15, M: 6, R: 3, S: 3, stride: 2,
     data: {ifmap: {zero_fraction: 0.5}}}
)");
    }
    static bool have(const char* cmd) { return std::system((std::string(cmd) + " >/dev/null 2>&1").c_str()) == 0; }
    const std::vector<std::pair<std::string, std::string>> names{{"A<1>&x", "A&lt;1&gt;&amp;x"}, {"B&b", "B&amp;b"}};
};

}  // namespace

TEST_F(Html, RunPageHoldsTheJsonNumbers) {
    const fs::path html = dir / "r.html", json = dir / "r.json";
    CmdResult r = dfsim("run --arch " + arch() + " --workload " + net() + " --json " + json.string() + " --html " +
                        html.string());
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_TRUE(fs::exists(html));
    const std::string page = slurp(html);
    const auto j = nlohmann::json::parse(slurp(json));
    EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(page.find("<script"), std::string::npos);
    EXPECT_EQ(page.find("http"), std::string::npos);  // nothing to fetch
    for (const auto& [raw, escaped] : names) {
        EXPECT_NE(page.find(escaped), std::string::npos) << escaped;
        EXPECT_EQ(page.find(raw), std::string::npos) << raw;
    }
    // each energy column in one SI unit (the header's), two decimals
    const Table any = find_table(page, {"layer", "MACs", "pJ/MAC"});
    ASSERT_FALSE(any.empty());
    auto header = [&](const std::string& start) {
        for (const std::string& h : any[0])
            if (h.rfind(start, 0) == 0) return h;
        ADD_FAILURE() << "no column " << start;
        return std::string();
    };
    const std::string tot_h = header("total ("), dram_h = header("DRAM ("), psum_h = header("psum (");
    // and all of them in the same one, so that the columns compare at a glance
    for (const std::string& h : {dram_h, psum_h, header("RF ("), header("ALU (")})
        EXPECT_EQ(h.substr(h.find('(')), tot_h.substr(tot_h.find('('))) << h << " vs " << tot_h;
    const Table t = find_table(page, {"layer", "MACs", tot_h, dram_h, "pJ/MAC"});
    ASSERT_EQ(t.size(), 4u);  // header, 2 layers, total
    auto unit_scale = [](const std::string& h) {  // "total (µJ)" -> 1e-6 J in pJ: 1e6
        return si_number("1 " + h.substr(h.find('(') + 1)) * 1e12;
    };
    std::vector<nlohmann::json> want(j["layers"].begin(), j["layers"].end());
    want.push_back(j["total"]);
    for (size_t i = 0; i < want.size(); ++i) {
        const Row& row = t[i + 1];
        const std::string name = i < names.size() ? names[i].second : "total";
        EXPECT_EQ(row[col(t, "layer")], name);
        EXPECT_EQ(row[col(t, "MACs")], std::to_string(want[i]["macs"].get<uint64_t>())) << name;
        EXPECT_EQ(row[col(t, "cycles")], std::to_string(want[i]["cycles"].get<uint64_t>())) << name;
        // two decimals of the column's unit: within half a hundredth of it
        for (const auto& [h, v] : {std::pair{tot_h, want[i]["energy"]["total"].get<double>()},
                                   {dram_h, want[i]["energy"]["dram"].get<double>()},
                                   {psum_h, want[i]["energy_by_type"]["psum"].get<double>()}}) {
            const std::string& cell = row[col(t, h)];
            EXPECT_EQ(cell.size() - cell.find('.'), 3u) << h << " " << cell;
            EXPECT_LE(std::fabs(std::stod(cell) - v / unit_scale(h)), 0.00500001) << name << " " << h << " " << cell;
        }
        expect_close(row[col(t, "pJ/MAC")], want[i]["energy_per_mac"].get<double>(), 1e-4, name + " pJ/MAC");
        EXPECT_EQ(row.back(), want[i]["output_check"].get<std::string>());
    }
    EXPECT_NE(page.find("45nm-horowitz (unit: pJ)"), std::string::npos);
    EXPECT_NE(page.find("12x14 PEs"), std::string::npos);
    // the summary first: the total energy, the latency
    const size_t summary = page.find("<section class=\"summary\">"), table = page.find("<table");
    ASSERT_NE(summary, std::string::npos);
    EXPECT_LT(summary, table);
    const std::string sum = page.substr(summary, page.find("</section>", summary) - summary);
    EXPECT_NE(sum.find("<li>energy "), std::string::npos) << sum;
    EXPECT_NE(sum.find(std::to_string(j["total"]["cycles"].get<uint64_t>()) + " cycles at 200 MHz"), std::string::npos)
        << sum;
    EXPECT_EQ(exponent_number(visible_text(page)), "");
    EXPECT_NE(page.find("docs/report.md</a>"), std::string::npos);  // a link to the fields' documentation
    // the mapper's statistics and host time, as the JSON gives them (the text's mapper line)
    const nlohmann::json& m = j["mapper"];
    char host[64];
    std::snprintf(host, sizeof host, " in %.3f s of host time, ", m["host_seconds"].get<double>());
    const std::string mapper = "<dt>mapper</dt><dd>" + std::to_string(m["layers_mapped"].get<uint64_t>()) +
                               " layers mapped (0 cached)" + host + std::to_string(m["candidates"].get<uint64_t>()) +
                               " candidates";
    EXPECT_NE(page.find(mapper), std::string::npos) << mapper;
}

TEST_F(Html, ComparePageHoldsTheJsonNumbersAndTheCharts) {
    if (!have("gnuplot --version")) GTEST_SKIP() << "gnuplot is not installed (Debian package gnuplot-nox)";
    const fs::path html = dir / "c.html", out = dir / "out";
    CmdResult r = dfsim("compare --arch " + arch() + " --workload " + net() + " --dataflows ws,rs --out " +
                        out.string() + " --html " + html.string());
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_TRUE(fs::exists(html));
    const std::string page = slurp(html);
    const auto j = nlohmann::json::parse(slurp(out / "compare.json"));
    EXPECT_EQ(page.find("<script"), std::string::npos);
    EXPECT_EQ(page.find("http"), std::string::npos);
    for (const auto& [raw, escaped] : names) {
        EXPECT_NE(page.find(escaped), std::string::npos) << escaped;
        EXPECT_EQ(page.find(raw), std::string::npos) << raw;
    }
    const Table t = find_table(page, {"layer", "dataflow", "pJ/MAC", "vs best", "energy", "cycles"});
    ASSERT_EQ(t.size(), 1u + 3 * 2);  // (2 layers + total) x 2 dataflows: one group, no subtotal rows
    const Table d = find_table(page, {"layer", "dataflow", "MACs", "DRAM words"});
    ASSERT_EQ(d.size(), t.size());
    std::vector<nlohmann::json> groups(j["layers"].begin(), j["layers"].end());
    groups.push_back(j["total"]);
    size_t k = 1;
    for (size_t g = 0; g < groups.size(); ++g)
        for (const auto& e : groups[g]["results"]) {
            const Row& row = t[k];
            const Row& det = d[k++];
            const std::string name = g < names.size() ? names[g].second : "total";
            EXPECT_EQ(row[col(t, "layer")], name);
            EXPECT_EQ(row[col(t, "dataflow")], e["dataflow"].get<std::string>());
            EXPECT_EQ(det[col(d, "MACs")], std::to_string(e["macs"].get<uint64_t>())) << name;
            EXPECT_EQ(row[col(t, "cycles")], std::to_string(e["cycles"].get<uint64_t>())) << name;
            // "1.23 µJ": three significant digits
            expect_close(std::to_string(si_number(row[col(t, "energy")]) * 1e12), e["energy"]["total"].get<double>(),
                         5e-3, name + " energy");
            expect_close(row[col(t, "pJ/MAC")], e["energy_per_mac"].get<double>(), 1e-3, name + " pJ/MAC");
            expect_close(row[col(t, "DRAM")], e["energy_per_mac_by_level"]["dram"].get<double>(), 1e-2, name);
        }
    const std::vector<std::string> pngs = inline_pngs(page);
    ASSERT_EQ(pngs.size(), 3u);  // energy by level, by type, latency and EDP
    for (const std::string& png : pngs) {
        EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
        EXPECT_GT(png.size(), 1000u);
    }
    EXPECT_EQ(pngs[0], slurp(out / "energy_by_level.png"));  // --out's images, reused
    for (const char* df : {"ws", "rs"})  // each dataflow's mapper line, as in the text
        EXPECT_NE(page.find(std::string("<dt>mapper, ") + df + "</dt><dd>2 layers mapped (0 cached) in "),
                  std::string::npos)
            << df;
    // each chart linked to --out's full-size PNG and SVG, relative to the page
    for (const char* base : {"energy_by_level", "energy_by_type", "latency_edp"})
        for (const char* ext : {"png", "svg"}) {
            const std::string link = std::string("<a class=\"") + ext + "\" href=\"out/" + base + "." + ext + "\">";
            EXPECT_NE(page.find(link), std::string::npos) << link;
            EXPECT_TRUE(fs::exists(dir / "out" / (std::string(base) + "." + ext))) << base << ext;
        }

    // without --out: the charts are rendered to a temporary directory
    const fs::path html2 = dir / "c2.html";
    r = dfsim("compare --arch " + arch() + " --workload " + net() + " --dataflows ws,rs --html " + html2.string());
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string page2 = slurp(html2);
    EXPECT_EQ(inline_pngs(page2).size(), 3u);
    // no files to link: the images themselves, as downloads
    for (const char* base : {"energy_by_level", "energy_by_type", "latency_edp"}) {
        EXPECT_NE(page2.find(std::string("download=\"") + base + ".png\""), std::string::npos) << base;
        EXPECT_NE(page2.find(std::string("download=\"") + base + ".svg\""), std::string::npos) << base;
    }
    EXPECT_NE(page2.find("<a class=\"svg\" href=\"data:image/svg+xml;base64,"), std::string::npos);
    EXPECT_EQ(masked_report(r.out), masked_report(slurp(out / "compare.txt")));  // another command line

    // no gnuplot: exit code 2 before simulating, and no page
    fs::create_directories(dir / "empty");
    const fs::path html3 = dir / "c3.html";
    r = dfsim("compare --arch " + arch() + " --workload " + net() + " --dataflows ws --html " + html3.string(),
              "PATH=" + (dir / "empty").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("gnuplot"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(html3));
}

TEST_F(Html, ChromiumRendersThePages) {
    if (!have("chromium --version")) GTEST_SKIP() << "chromium is not installed (Debian package chromium)";
    if (!have("gnuplot --version")) GTEST_SKIP() << "gnuplot is not installed (Debian package gnuplot-nox)";
    const fs::path run_html = dir / "r.html", cmp_html = dir / "c.html";
    ASSERT_EQ(dfsim("run --arch " + arch() + " --workload " + net() + " --html " + run_html.string()).code, 0);
    ASSERT_EQ(
        dfsim("compare --arch " + arch() + " --workload " + net() + " --dataflows ws,rs --html " + cmp_html.string())
            .code,
        0);
    for (const fs::path& page : {run_html, cmp_html}) {
        const fs::path dom = dir / "dom.txt", err = dir / "chromium.err";
        // --no-sandbox: needed as root; a private profile so parallel tests do not share one
        const std::string cmd =
            "timeout 120 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 "
            "--user-data-dir=" +
            (dir / "profile").string() + " --dump-dom file://" + page.string() + " >" + dom.string() + " 2>" +
            err.string();
        ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(err);
        const std::string d = slurp(dom), e = slurp(err);
        EXPECT_NE(d.find("<table"), std::string::npos) << page;
        for (const auto& [raw, escaped] : names)
            EXPECT_NE(d.find("<td>" + escaped + "</td>"), std::string::npos) << escaped;
        EXPECT_NE(d.find("<td class=\"n\">48600</td>"), std::string::npos);  // A's MACs: 8 x 15 x 15 x 3 x 9
        EXPECT_NE(d.find("<td>total</td>"), std::string::npos);
        const bool is_cmp = page == cmp_html;
        size_t imgs = 0;
        for (size_t p = 0; (p = d.find("<img ", p)) != std::string::npos; ++p) ++imgs;
        EXPECT_EQ(imgs, is_cmp ? 3u : 0u) << page;
        if (is_cmp) {
            EXPECT_NE(d.find("src=\"data:image/png;base64,"), std::string::npos);
        }
        std::istringstream lines(e);
        for (std::string line; std::getline(lines, line);) {
            EXPECT_EQ(line.find("CONSOLE"), std::string::npos) << line;
            EXPECT_EQ(line.find("Uncaught"), std::string::npos) << line;
        }
    }
}

// The compare page of a network with a host layer and two layer groups: the verdicts first, the
// best row of every ranked group highlighted (and only it), the host layer once in a table of its
// own, no number in exponent notation.
TEST_F(Html, ComparePageSummaryHighlightsAndHostLayers) {
    if (!have("gnuplot --version")) GTEST_SKIP() << "gnuplot is not installed (Debian package gnuplot-nox)";
    const std::string wl = write("mixed.yaml", R"(name: mixed
layers:
  - {name: C1, C: 3, H: 9, W: 9, M: 4, R: 3, S: 3, padding: 1}
  - {name: P1, type: pool, op: max, C: 4, H: 9, W: 9, R: 3, S: 3, stride: 2}
  - {name: C2, C: 4, H: 4, W: 4, M: 6, R: 3, S: 3}
  - {name: F1, type: fc, C: 6, H: 2, W: 2, M: 10}
)");
    const fs::path html = dir / "c.html", out = dir / "o";
    const CmdResult r =
        dfsim("compare --arch " + arch() + " --workload " + wl + " --layers all --dataflows ws,os-b,rs --out " +
              out.string() + " --html " + html.string());
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string page = slurp(html);
    const auto j = nlohmann::json::parse(slurp(out / "compare.json"));
    // the summary: every verdict, before the first table
    const size_t summary = page.find("<section class=\"summary\">");
    ASSERT_NE(summary, std::string::npos);
    EXPECT_LT(summary, page.find("<table"));
    ASSERT_EQ(j["verdicts"].size(), 3u);  // CONV, FC, total
    for (const auto& v : j["verdicts"]) {
        const size_t at = page.find("<li>" + v.get<std::string>() + "</li>");
        EXPECT_NE(at, std::string::npos) << v;
        EXPECT_LT(at, page.find("<table"));
    }
    // the best rows: one per ranked group (layers C1, C2, F1, the CONV subtotal, the total),
    // the group's best_dataflow
    std::map<std::string, std::string> best;
    for (const auto& g : j["layers"])
        if (g.contains("best_dataflow")) best[g["name"]] = g["best_dataflow"];
    for (const auto& g : j["groups"])
        if (g["layers"].size() > 1) best[g["name"]] = g["best_dataflow"];  // FC (F1 alone) is not repeated
    best["total"] = j["total"]["best_dataflow"];
    ASSERT_EQ(best.size(), 5u);
    std::map<std::string, int> seen;
    const std::regex row("<tr class=\"[^\"]*\\bbest\"><td>([^<]*)</td><td class=\"df\">([^<]*)</td>");
    for (auto it = std::sregex_iterator(page.begin(), page.end(), row); it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[1], df = (*it)[2];
        ASSERT_TRUE(best.count(name)) << name;
        EXPECT_EQ(df, best[name]) << name;
        ++seen[name];
    }
    for (const auto& [name, df] : best) EXPECT_EQ(seen[name], 1) << name;
    // the host layer: once, in its own table, never in the ranked one
    const Table host = find_table(page, {"layer", "type", "operation", "operations"});
    ASSERT_EQ(host.size(), 2u);
    EXPECT_EQ(host[1][0], "P1");
    EXPECT_EQ(host[1][3], std::to_string(j["layers"][1]["host_ops"].get<uint64_t>()));
    const Table t = find_table(page, {"layer", "dataflow", "pJ/MAC", "vs best"});
    for (const Row& row : t) EXPECT_NE(row[0], "P1");
    EXPECT_EQ(t.size(), 1u + 5 * 3);  // 3 layers, the CONV subtotal and the total, 3 dataflows each
    EXPECT_EQ(exponent_number(visible_text(page)), "");
    EXPECT_NE(page.find("docs/report.md</a>"), std::string::npos);
    // the charts leave the host layer out
    for (const char* base : {"energy_by_level", "energy_by_type", "latency_edp"})
        EXPECT_EQ(slurp(out / (std::string(base) + ".dat")).find("\tP1\t"), std::string::npos) << base;
}
