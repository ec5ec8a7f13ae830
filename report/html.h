// Self-contained HTML reports (`dfsim run --html`, `dfsim compare --html`): a header naming the
// network, architecture, dataflow(s) and energy table, the text tables as HTML tables with units
// in the headers, and for compare the charts inlined as data: URIs. Inline CSS only, no scripts,
// no external resources, so the file reads offline. Every name from the inputs is escaped.
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
    std::string caption;
    std::string png;  // the PNG file's bytes
};

// With `prov`, the context box at the top names it too (report/provenance.h).
std::string run_to_html(const NetworkResult& r, const Provenance* prov = nullptr);
std::string compare_to_html(const CompareResult& c, const std::vector<HtmlImage>& images,
                            const Provenance* prov = nullptr);
// The charts write_compare_plots rendered into `dir` (energy_by_level.png, energy_by_type.png).
// Throws PlotError if one cannot be read.
std::vector<HtmlImage> load_compare_images(const std::filesystem::path& dir);

}  // namespace dfsim
