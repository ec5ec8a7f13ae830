#include "report/scalesim_reports.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <sstream>

#include "base/atomic_file.h"

namespace dfsim {

const char* const kScaleSimComputeHeader =
    "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n";
const char* const kScaleSimBandwidthHeader =
    "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg "
    "OFMAP DRAM BW,\n";
const char* const kScaleSimDetailedHeader =
    "LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, SRAM Filter Start Cycle, SRAM Filter "
    "Stop Cycle, SRAM Filter Reads, SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, DRAM IFMAP "
    "Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM "
    "Filter Reads, DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,\n";

std::string python_float(double x) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);  // shortest digits
    const std::string s(buf, res.ptr);
    const size_t e = s.find('e');
    const int exp = std::atoi(s.c_str() + e + 1);
    const bool neg = s[0] == '-';
    std::string digits;
    for (size_t i = neg ? 1 : 0; i < e; ++i)
        if (s[i] != '.') digits += s[i];
    const size_t n = digits.size();
    std::string out = neg ? "-" : "";
    if (exp >= -4 && exp < 16) {
        const size_t point = static_cast<size_t>(exp + 1);  // digits before the point (exp >= 0)
        if (exp < 0) {
            out.append("0.").append(static_cast<size_t>(-exp - 1), '0').append(digits);
        } else if (n <= point) {
            out.append(digits).append(point - n, '0').append(".0");
        } else {
            out.append(digits, 0, point).append(".").append(digits, point, std::string::npos);
        }
    } else {
        out.append(digits, 0, 1);
        if (n > 1) out.append(".").append(digits, 1, std::string::npos);
        out.append(exp < 0 ? "e-" : "e+").append(std::abs(exp) < 10 ? "0" : "").append(std::to_string(std::abs(exp)));
    }
    return out;
}

namespace {

// A row: "ID, a, b, ...,\n" (SCALE-Sim joins str() of each item with ", " and ends in ",\n").
class Row {
public:
    explicit Row(size_t id) { m_os << id; }
    Row& operator<<(uint64_t v) {
        m_os << ", " << v;
        return *this;
    }
    Row& operator<<(double v) {
        m_os << ", " << python_float(v);
        return *this;
    }
    std::string str() const { return m_os.str() + ",\n"; }

private:
    std::ostringstream m_os;
};

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

void add_layer(ScaleSimReports& out, size_t id, const LayerResult& l, int pes) {
    const Activity& a = l.activity;
    const AccessCounts& acc = l.counts.acc;
    const double macs = static_cast<double>(l.counts.macs), cycles = static_cast<double>(l.cycles);
    const uint64_t stall = l.cycles - std::min(l.cycles, a.array_busy);
    const double mapping = a.passes ? 100.0 * a.pe_fraction_sum / static_cast<double>(a.passes) : 0.0;
    out.compute += (Row(id) << l.cycles << stall << 100.0 * ratio(macs, cycles * pes) << mapping
                            << 100.0 * ratio(macs, static_cast<double>(a.array_busy) * pes))
                       .str();
    const uint64_t sram[3] = {acc.at(Level::Glb, DataType::Ifmap).reads, acc.at(Level::Glb, DataType::Filter).reads,
                              acc.at(Level::Glb, DataType::Psum).writes};
    const uint64_t dram[3] = {acc.at(Level::Dram, DataType::Ifmap).reads, acc.at(Level::Dram, DataType::Filter).reads,
                              acc.at(Level::Dram, DataType::Psum).writes};
    Row bw(id), detail(id);
    for (int t = 0; t < 3; ++t) bw << ratio(static_cast<double>(sram[t]), cycles);
    for (int t = 0; t < 3; ++t)  // SCALE-Sim: words / (stop - start + 1)
        bw << static_cast<double>(dram[t]) / static_cast<double>(a.dram_stop[t] - a.dram_start[t] + 1);
    for (int t = 0; t < 3; ++t) detail << a.array_start << a.array_stop << sram[t];
    for (int t = 0; t < 3; ++t) detail << a.dram_start[t] << a.dram_stop[t] << dram[t];
    out.bandwidth += bw.str();
    out.detailed += detail.str();
}

}  // namespace

ScaleSimReports scalesim_reports(const NetworkResult& r) {
    ScaleSimReports out{kScaleSimComputeHeader, kScaleSimBandwidthHeader, kScaleSimDetailedHeader};
    size_t id = 0;
    for (const LayerResult& l : r.layers)
        if (l.executed_on == ExecutedOn::Accelerator) add_layer(out, id++, l, r.arch_params.num_pes());
    return out;
}

void write_scalesim_reports(const NetworkResult& r, const std::string& dir) {
    const ScaleSimReports s = scalesim_reports(r);
    write_file_atomic(dir + "/COMPUTE_REPORT.csv", s.compute);
    write_file_atomic(dir + "/BANDWIDTH_REPORT.csv", s.bandwidth);
    write_file_atomic(dir + "/DETAILED_ACCESS_REPORT.csv", s.detailed);
}

}  // namespace dfsim
