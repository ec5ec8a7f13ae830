#include "sim/vcd_trace.h"

#include <systemc>
#include <sysc/tracing/sc_tracing_ids.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

#include "base/error.h"

namespace dfsim {

namespace fs = std::filesystem;

VcdTrace::VcdTrace(std::string path) : m_path(std::move(path)) {
    const fs::path target(m_path);
    std::error_code ec;
    if (target.has_parent_path() && !fs::exists(target.parent_path(), ec)) {
        fs::create_directories(target.parent_path(), ec);
        if (ec) throw IoError(m_path, "cannot create directory " + target.parent_path().string() + ": " + ec.message());
    }
    m_tmp = m_path + ".tmp." + std::to_string(::getpid());
    m_segment_base = m_path + ".seg." + std::to_string(::getpid());  // SystemC adds ".vcd"
    m_out.open(m_tmp, std::ios::binary | std::ios::trunc);
    if (!m_out) throw IoError(m_path, "cannot create the temporary file " + m_tmp);
}

VcdTrace::~VcdTrace() {
    if (m_committed) return;
    m_out.close();
    std::error_code ec;
    fs::remove(m_tmp, ec);
    fs::remove(m_segment_base + ".vcd", ec);
}

sc_core::sc_trace_file* VcdTrace::begin_layer(const ArchParams& a) {
    DFSIM_ASSERT(!m_file, "trace: a layer is already being traced");
    const sc_core::sc_time period(1e6 / a.clock_mhz, sc_core::SC_PS);  // as the accelerator's clock
    const auto ps = static_cast<uint64_t>(std::llround(period.to_seconds() * 1e12));
    DFSIM_ASSERT(ps > 0, "trace: clock period under 1 ps");
    if (m_layers == 0) {
        m_period_ps = ps;
        m_unit_ps = 1;
        while (m_period_ps % (m_unit_ps * 10) == 0 && m_unit_ps < 100'000'000'000ull) m_unit_ps *= 10;
        m_units_per_cycle = m_period_ps / m_unit_ps;
    }
    DFSIM_ASSERT(ps == m_period_ps, "trace: the layers of one run have different clocks");
    ++m_layers;
    // SystemC reports the timescale it was given as an info message on stdout
    sc_core::sc_report_handler::set_actions(sc_core::SC_ID_TRACING_TIMESCALE_UNIT_, sc_core::SC_DO_NOTHING);
    m_file = sc_core::sc_create_vcd_trace_file(m_segment_base.c_str());
    m_file->set_time_unit(static_cast<double>(m_unit_ps), sc_core::SC_PS);
    return m_file;
}

void VcdTrace::end_layer(uint64_t cycles) {
    DFSIM_ASSERT(m_file, "trace: no layer is being traced");
    // SystemC writes a time step's values when time moves on: move it on by one cycle
    sc_core::sc_start(sc_core::sc_time(static_cast<double>(m_period_ps), sc_core::SC_PS));
    sc_core::sc_close_vcd_trace_file(m_file);
    m_file = nullptr;
    const std::string seg = m_segment_base + ".vcd";
    append_segment(seg);
    fs::remove(seg);
    m_offset += cycles * m_units_per_cycle;
}

void VcdTrace::append_segment(const std::string& segment) {
    std::ifstream in(segment);
    if (!in) throw IoError(m_path, "cannot read back the trace segment " + segment);
    const bool first = m_layers == 1;
    std::string line, decl;
    // header: up to the first $scope (date, version, timescale), then the declarations
    while (std::getline(in, line) && line.rfind("$scope", 0) != 0)
        if (first) m_out << line << "\n";
    if (first) {
        const double mhz = 1e6 / static_cast<double>(m_period_ps);
        m_out << "$comment\n    dfsim trace: clock " << mhz << " MHz, one cycle = " << m_units_per_cycle
              << " units of the timescale; the layers run one after another (ctrl.layer numbers them)\n$end\n\n";
    }
    do {
        decl += line + "\n";
    } while (line.rfind("$enddefinitions", 0) != 0 && std::getline(in, line));
    if (first) {
        m_header = decl;
        m_out << decl << "\n";
    } else {
        DFSIM_ASSERT(decl == m_header, "trace: the layers' segments declare different signals");
    }
    // value changes, shifted by the offset; time stamps without changes are dropped
    uint64_t time = m_offset;
    bool skipping = false, dumpvars = false;
    auto stamp = [&] {
        if (m_any_time && time == m_last_time) return;
        DFSIM_ASSERT(!m_any_time || time > m_last_time, "trace: time stamps out of order");
        m_out << "#" << time << "\n";
        m_last_time = time;
        m_any_time = true;
    };
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (skipping) {
            skipping = line.rfind("$end", 0) != 0;
            continue;
        }
        if (line.rfind("$comment", 0) == 0) {
            skipping = true;
        } else if (line.rfind("$dumpvars", 0) == 0) {
            time = m_offset;
            stamp();
            if (first) m_out << "$dumpvars\n";
            dumpvars = true;
        } else if (line.rfind("$end", 0) == 0) {
            if (dumpvars && first) m_out << "$end\n";
            dumpvars = false;
        } else if (line[0] == '#') {
            time = m_offset + std::stoull(line.substr(1));
        } else {
            if (!dumpvars) stamp();
            m_out << line << "\n";
        }
    }
    if (!m_out) throw IoError(m_path, "error writing the temporary file " + m_tmp + " (disk full?)");
}

void VcdTrace::commit() {
    DFSIM_ASSERT(!m_file && m_layers > 0, "trace: nothing traced");
    m_out.close();
    if (!m_out) throw IoError(m_path, "error writing the temporary file " + m_tmp + " (disk full?)");
    std::error_code ec;
    fs::rename(m_tmp, m_path, ec);
    if (ec) throw IoError(m_path, "cannot rename " + m_tmp + " into place: " + ec.message());
    m_committed = true;
}

}  // namespace dfsim
