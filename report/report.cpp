#include "report/report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "base/fmt.h"

namespace dfsim {

namespace {

nlohmann::json shape_json(const LayerShape& s) {
    return {{"N", s.N}, {"C", s.C}, {"H", s.H}, {"W", s.W}, {"M", s.M}, {"R", s.R}, {"S", s.S},
            {"stride", s.U}, {"padding", s.P}, {"groups", s.G}, {"E", s.E()}, {"F", s.F()}};
}

nlohmann::json layer_json(const LayerResult& l, int pes) {
    nlohmann::json j;
    j["name"] = l.name;
    if (l.name != "total") {
        j["shape"] = shape_json(l.shape);
        j["mapping"] = l.mapping;
        j["executed_on"] = std::string(to_string(l.executed_on));
    }
    j["host_ops"] = l.host_ops;
    j["macs"] = l.counts.macs;
    j["gated_macs"] = l.counts.gated_macs;
    j["psum_adds"] = l.counts.psum_adds;
    j["requant_ops"] = l.counts.requant_ops;
    j["psum_saturations"] = l.counts.psum_saturations;
    j["cycles"] = l.cycles;
    j["estimated_cycles"] = l.estimated_cycles;
    j["utilization"] = l.utilization(pes);
    j["dram_busy_cycles"] = l.dram_busy_cycles;
    j["glb_bytes_used"] = l.glb_bytes_used;
    for (Level lv : kLevels)
        for (DataType d : kDataTypes) {
            const ReadWrite& rw = l.counts.acc.at(lv, d);
            j["accesses"][std::string(to_string(lv))][std::string(to_string(d))] = {{"reads", rw.reads}, {"writes", rw.writes}};
        }
    auto& e = j["energy_pj"];
    for (Level lv : kLevels) e[std::string(to_string(lv))] = l.energy.level(lv);
    e["alu"] = l.energy.alu;
    e["total"] = l.energy.total();
    for (DataType d : kDataTypes) j["energy_by_type_pj"][std::string(to_string(d))] = l.energy.type(d);
    j["energy_per_mac_pj"] = l.counts.macs ? l.energy.total() / static_cast<double>(l.counts.macs) : 0.0;
    j["output_check"] = std::string(to_string(l.output_check));
    j["mismatches"] = l.mismatches;
    // precision and zeros (issue 4): formats, datapath, gating vs skipping, measured zeros,
    // and DRAM bytes as stored and as moved over the link (run-length coded feature maps)
    j["skipped_macs"] = l.counts.skipped_macs;
    j["gating_saved_energy_pj"] = l.gating_saved_energy;
    uint64_t raw = 0, moved = 0;
    for (int d = 0; d < kNumDataTypes; ++d) raw += l.counts.dram_raw_bits[d], moved += l.counts.dram_moved_bits[d];
    j["dram_bytes_raw"] = (raw + 7) / 8;
    j["dram_bytes_moved"] = (moved + 7) / 8;
    j["lut_writes"] = l.counts.lut_writes;
    j["xnor_ops"] = l.counts.xnor_ops;
    if (l.name != "total" && l.executed_on != ExecutedOn::Host) {
        j["multiplier"] = std::string(to_string(l.multiplier));
        j["bits"] = {{"ifmap", l.widths.op_ifmap}, {"filter", l.widths.op_filter}, {"psum", l.widths.psum},
                     {"output", l.widths.output}, {"ifmap_format", l.ifmap_format}, {"filter_format", l.filter_format},
                     {"ifmap_storage", l.widths.ifmap}, {"filter_storage", l.widths.filter}};
        j["ifmap_zero_fraction"] = l.ifmap_zero_fraction;
        j["filter_zero_fraction"] = l.filter_zero_fraction;
    }
    return j;
}

}  // namespace

nlohmann::json arch_to_json(const ArchParams& a) {
    std::vector<std::string> multipliers;
    for (Multiplier m : a.pe.multipliers) multipliers.emplace_back(to_string(m));
    nlohmann::json storage = nlohmann::json::object();
    for (const DataflowStorage& st : a.equal_area.dataflows)
        storage[st.dataflow] = {{"ifmap_spad_words", st.ifmap_spad_words}, {"filter_spad_words", st.filter_spad_words},
                                {"psum_spad_words", st.psum_spad_words}};
    nlohmann::json equal_area = nullptr;
    if (a.equal_area.enabled)
        equal_area = {{"rf_area_per_byte", a.equal_area.rf_area_per_byte},
                      {"glb_area_per_byte", a.equal_area.glb_area_per_byte}, {"dataflows", storage}};
    return {{"name", a.name},
            {"word_bits", a.word_bits},
            {"batch", a.batch},
            {"energy_table", a.energy_table},
            {"equal_area", equal_area},
            {"file", a.file},
            {"clock_mhz", a.clock_mhz},
            {"pe_array", {{"rows", a.rows}, {"cols", a.cols}}},
            {"pe", {{"ifmap_spad_words", a.pe.ifmap_spad_words}, {"filter_spad_words", a.pe.filter_spad_words},
                    {"psum_spad_words", a.pe.psum_spad_words}, {"pipeline_depth", a.pe.pipeline_depth},
                    {"mac_bits", a.pe.mac_bits}, {"psum_bits", a.pe.psum_bits},
                    {"zero_gating", a.pe.gate_ifmap_zeros ? (a.pe.gate_weight_zeros ? "both" : "ifmap")
                                                          : (a.pe.gate_weight_zeros ? "weight" : "none")},
                    {"zero_skipping", a.pe.zero_skipping}, {"multipliers", multipliers},
                    {"lut_max_bits", a.pe.lut_max_bits}, {"xnor_bits", a.pe.xnor_bits}}},
            {"noc", {{"ifmap_bus_bits", a.noc.ifmap_bus_bits}, {"filter_bus_bits", a.noc.filter_bus_bits},
                     {"psum_in_bus_bits", a.noc.psum_in_bus_bits}, {"psum_out_bus_bits", a.noc.psum_out_bus_bits},
                     {"psum_link_bits", a.noc.psum_link_bits},
                     {"reduction", a.noc.reduction == NocParams::Reduction::Chain ? "chain" : "adder_tree"}}},
            {"glb", {{"size_bytes", a.glb.size_bytes}, {"banks", a.glb.banks}, {"bank_width_bits", a.glb.bank_width_bits},
                     {"double_buffer", a.glb.double_buffer}}},
            {"dram", {{"bandwidth_bytes_per_cycle", a.dram.bytes_per_cycle}, {"latency_cycles", a.dram.latency_cycles},
                      {"compression", a.dram.rlc ? "rlc" : "none"}}}};
}

nlohmann::json to_json(const NetworkResult& r) {
    nlohmann::json j;
    j["network"] = r.network;
    j["dataflow"] = r.dataflow;
    j["arch"] = arch_to_json(r.arch_params);
    j["energy_table"] = r.energy_table;
    j["energy_unit"] = std::string(to_string(r.energy_unit));
    j["layers"] = nlohmann::json::array();
    const int pes = r.arch_params.num_pes();
    for (const auto& l : r.layers) j["layers"].push_back(layer_json(l, pes));
    j["total"] = layer_json(r.total(), pes);
    return j;
}

std::string to_csv(const NetworkResult& r) {
    std::ostringstream os;
    os << "layer,macs,gated_macs,cycles,utilization";
    for (Level lv : kLevels)
        for (DataType d : kDataTypes)
            os << "," << to_string(lv) << "_" << to_string(d) << "_reads," << to_string(lv) << "_" << to_string(d) << "_writes";
    os << ",energy_dram,energy_glb,energy_noc,energy_rf,energy_alu,energy_total,energy_ifmap,energy_filter,energy_psum,energy_unit,output_check";
    os << ",executed_on,host_ops,multiplier,ifmap_format,filter_format,psum_bits,skipped_macs,ifmap_zero_fraction,"
          "filter_zero_fraction,gating_saved_energy,dram_bytes_raw,dram_bytes_moved\n";
    const int pes = r.arch_params.num_pes();
    auto row = [&](const LayerResult& l, bool total) {
        os << l.name << "," << l.counts.macs << "," << l.counts.gated_macs << "," << l.cycles << ","
           << fmt("%.6f", l.utilization(pes));
        for (Level lv : kLevels)
            for (DataType d : kDataTypes) os << "," << l.counts.acc.at(lv, d).reads << "," << l.counts.acc.at(lv, d).writes;
        for (Level lv : kLevels) os << "," << fmt("%.6g", l.energy.level(lv));
        os << "," << fmt("%.6g", l.energy.alu) << "," << fmt("%.6g", l.energy.total());
        for (DataType d : kDataTypes) os << "," << fmt("%.6g", l.energy.type(d));
        os << "," << to_string(r.energy_unit) << "," << to_string(l.output_check);
        os << "," << (total ? "" : to_string(l.executed_on)) << "," << l.host_ops;
        const bool q = !total && l.executed_on != ExecutedOn::Host;
        uint64_t raw = 0, moved = 0;
        for (int d = 0; d < kNumDataTypes; ++d) raw += l.counts.dram_raw_bits[d], moved += l.counts.dram_moved_bits[d];
        os << "," << (q ? to_string(l.multiplier) : "") << "," << (q ? l.ifmap_format : "") << "," << (q ? l.filter_format : "") << ","
           << (q ? std::to_string(l.widths.psum) : "") << "," << l.counts.skipped_macs << ","
           << (q ? fmt("%.6f", l.ifmap_zero_fraction) : "") << "," << (q ? fmt("%.6f", l.filter_zero_fraction) : "") << ","
           << fmt("%.6g", l.gating_saved_energy) << "," << (raw + 7) / 8 << "," << (moved + 7) / 8 << "\n";
    };
    for (const auto& l : r.layers) row(l, false);
    row(r.total(), true);
    return os.str();
}

std::string format_table(const NetworkResult& r) {
    const bool pj = r.energy_unit == EnergyUnit::Pj;
    const double scale = 1e-6;  // pJ -> uJ; normalized -> millions of MAC-equivalents
    const std::string eu = pj ? "uJ" : "M x MAC";
    std::ostringstream os;
    os << "dfsim: " << r.network << " on " << r.arch << " (" << r.arch_params.rows << "x" << r.arch_params.cols
       << " PEs, " << r.arch_params.glb.size_bytes / 1024.0 << " KB GLB, " << r.arch_params.clock_mhz
       << " MHz), dataflow " << r.dataflow << ", energy table " << r.energy_table << "\n";
    // the layer column fits the longest name (at least 8 wide)
    size_t name_width = 8;
    for (const auto& l : r.layers) name_width = std::max(name_width, l.name.size());
    const int lw = static_cast<int>(name_width);
    char buf[512];
    std::snprintf(buf, sizeof buf, "%-*s %13s %12s %11s %6s | %9s %9s %9s %9s %9s %9s | %9s %9s %9s | %8s %s\n",
                  lw, "layer", "MACs", "gated MACs", "cycles", "util", ("total " + eu).c_str(), "DRAM", "GLB", "NoC",
                  "RF", "ALU", "ifmap", "filter", "psum", pj ? "pJ/MAC" : "E/MAC", "output");
    os << buf;
    const int pes = r.arch_params.num_pes();
    auto row = [&](const LayerResult& l) {
        const EnergyBreakdown& e = l.energy;
        if (l.executed_on == ExecutedOn::Host) {  // not simulated: no cycles or energy, its ops instead of a check
            std::snprintf(buf, sizeof buf,
                          "%-*s %13d %12d %11d %6s | %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f | %9.2f %9.2f %9.2f | %8s host, "
                          "%llu ops\n",
                          lw, l.name.c_str(), 0, 0, 0, "-", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "-",
                          static_cast<unsigned long long>(l.host_ops));
            os << buf;
            return;
        }
        std::snprintf(buf, sizeof buf,
                      "%-*s %13llu %12llu %11llu %5.1f%% | %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f | %9.2f %9.2f %9.2f | %8.3f %s\n",
                      lw, l.name.c_str(), static_cast<unsigned long long>(l.counts.macs),
                      static_cast<unsigned long long>(l.counts.gated_macs), static_cast<unsigned long long>(l.cycles),
                      100.0 * l.utilization(pes), e.total() * scale, e.level(Level::Dram) * scale,
                      e.level(Level::Glb) * scale, e.level(Level::Noc) * scale, e.level(Level::Rf) * scale, e.alu * scale,
                      e.type(DataType::Ifmap) * scale, e.type(DataType::Filter) * scale, e.type(DataType::Psum) * scale,
                      l.counts.macs ? e.total() / static_cast<double>(l.counts.macs) : 0.0, std::string(to_string(l.output_check)).c_str());
        os << buf;
    };
    for (const auto& l : r.layers) row(l);
    row(r.total());
    const LayerResult tot = r.total();
    os << "time at " << r.arch_params.clock_mhz << " MHz: " << fmt("%.3f", static_cast<double>(tot.cycles) / r.arch_params.clock_mhz / 1e3)
       << " ms; energy in " << eu << " (" << to_string(r.energy_unit) << " table); columns: docs/report.md\n";
    // precision and zeros
    std::snprintf(buf, sizeof buf, "%-*s %-10s %-8s %-8s %5s %12s %12s %7s %7s %12s %11s %11s\n", lw, "layer", "multiplier",
                  "ifmap", "filter", "psum", "gated MACs", "skipped MACs", "0 ifmap", "0 filt", ("gate saved " + (pj ? std::string("uJ") : eu)).c_str(),
                  "DRAM KB", "moved KB");
    os << "\n" << buf;
    auto qrow = [&](const LayerResult& l, bool total) {
        if (l.executed_on == ExecutedOn::Host) return;
        uint64_t raw = 0, moved = 0;
        for (int d = 0; d < kNumDataTypes; ++d) raw += l.counts.dram_raw_bits[d], moved += l.counts.dram_moved_bits[d];
        std::snprintf(buf, sizeof buf, "%-*s %-10s %-8s %-8s %5s %12llu %12llu %7s %7s %12.2f %11.1f %11.1f\n", lw,
                      l.name.c_str(), total ? "" : std::string(to_string(l.multiplier)).c_str(), total ? "" : l.ifmap_format.c_str(),
                      total ? "" : l.filter_format.c_str(), total ? "" : std::to_string(l.widths.psum).c_str(),
                      static_cast<unsigned long long>(l.counts.gated_macs), static_cast<unsigned long long>(l.counts.skipped_macs),
                      total ? "" : fmt("%.1f%%", 100 * l.ifmap_zero_fraction).c_str(),
                      total ? "" : fmt("%.1f%%", 100 * l.filter_zero_fraction).c_str(), l.gating_saved_energy * scale,
                      static_cast<double>(raw) / 8192.0, static_cast<double>(moved) / 8192.0);
        os << buf;
    };
    for (const auto& l : r.layers) qrow(l, false);
    qrow(r.total(), true);
    size_t host_layers = 0;
    for (const auto& l : r.layers) host_layers += l.executed_on == ExecutedOn::Host;
    if (host_layers > 0)
        os << "host: " << host_layers << " pool/add layer" << (host_layers > 1 ? "s are" : " is")
           << " host work, not simulated (no accelerator cycles or energy); their " << tot.host_ops
           << " ops (pool N*C*E*F*R*S, add N*C*H*W) are not in the MACs or the total\n";
    return os.str();
}

}  // namespace dfsim
