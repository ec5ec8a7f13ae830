// Self-contained HTML reports (`dfsim run --html`, `dfsim compare --html`): a summary, a header
// naming the network, architecture, dataflow(s) and energy table, the text tables as HTML tables
// with units in the headers (energies with SI prefixes, never in exponent notation; compare's
// best rows highlighted), and for compare the charts inlined as data: URIs, linked to their
// full-size files when there are some. Inline CSS only, no scripts, nothing fetched, so the file
// reads offline; readable from 1280 px wide. Every name from the inputs is escaped.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "report/compare_report.h"
#include "report/provenance.h"
#include "sim/simulator.h"

namespace dfsim {

// &, <, >, " and ' as character references.
std::string html_escape(const std::string& s);
// Standard base64 (RFC 4648, with padding).
std::string base64_encode(const std::string& bytes);

struct HtmlImage {
    std::string base, caption;  // file name without extension ("energy_by_level"), caption
    std::string png, svg;  // the files' bytes
    // links to the full-size files; "": the page offers the bytes above as downloads instead
    std::string png_href, svg_href;
};

struct HtmlOptions {
    std::string docs_href;  // where docs/report.md is (a link), or "": named, not linked
};

// With `prov`, the context box names it too (report/provenance.h). Both pages open with a
// summary (run: the totals, latency and energy; compare: the verdict of each layer group).
std::string run_to_html(const NetworkResult& r, const Provenance* prov = nullptr, const HtmlOptions& o = {});
std::string compare_to_html(const CompareResult& c, const std::vector<HtmlImage>& images,
                            const Provenance* prov = nullptr, const HtmlOptions& o = {});
// The charts write_compare_plots rendered into `dir` (compare_chart_names), each linked to
// `href_dir`/NAME.png and .svg when `href_dir` is given. Throws PlotError if one cannot be read.
std::vector<HtmlImage> load_compare_images(const std::filesystem::path& dir, const std::string& href_dir = "");

}  // namespace dfsim
