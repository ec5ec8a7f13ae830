#include "config/energy_table.h"

#include <algorithm>
#include <cmath>

#include "base/input_file.h"
#include "config/accelergy.h"
#include "config/yaml_reader.h"

namespace dfsim {

double EnergyTable::access(Level l, bool is_write, int bits, double glb_bytes) const {
    return access_scaled(l, is_write, bits, l == Level::Glb ? glb_size_factor(glb_bytes) : 1.0);
}

double EnergyTable::glb_size_factor(double glb_bytes) const {
    return glb_size_exponent != 0.0 ? std::pow(glb_bytes / (glb_reference_kb * 1024.0), glb_size_exponent) : 1.0;
}

double EnergyTable::mac_energy(int wb, int ab, int pb) const {
    const double mult = multiply < 0 ? mac : multiply;
    return mult * (static_cast<double>(wb) * ab / 64.0) + (mac - mult) * pb / 32.0;
}

double EnergyTable::lut_read_energy(uint64_t entries) const {
    return lut_read * std::pow(static_cast<double>(entries) / lut_reference_entries, lut_size_exponent);
}

std::string EnergyTable::model() const { return sizes.rf || sizes.noc ? "size-aware" : "fixed"; }

std::vector<double> EnergyTable::figures() const {
    std::vector<double> f;
    for (const LevelCost& c : level) f.insert(f.end(), {c.read, c.write, static_cast<double>(c.reference_bits)});
    f.insert(f.end(), {glb_reference_kb, glb_size_exponent, mac, add, multiply, lut_read, lut_write,
                       lut_reference_entries, lut_size_exponent, xnor_popcount});
    f.insert(f.end(),
             {static_cast<double>(tech.node_nm), tech.vdd, static_cast<double>(sizes.rf), sizes.rf_reference_bytes,
              sizes.rf_size_exponent, sizes.rf_min_bytes, static_cast<double>(sizes.noc), sizes.noc_wire_share,
              sizes.noc_reference_span_mm, static_cast<double>(area.present), area.full_adder_um2, area.sram_bit_um2,
              area.sram_periphery_um2, area.pe_other_um2, statics.leakage_mw_per_mm2, statics.clock_per_mm2_cycle,
              opreg_write, static_cast<double>(opreg_reference_bits)});
    if (area.given.present) {
        const GivenArea& g = area.given;
        f.insert(f.end(), {g.glb_um2, g.chip_other_um2, g.spad_um2[0], g.spad_um2[1], g.spad_um2[2], g.datapath_um2,
                           g.pe_other_um2});
    }
    return f;
}

namespace {
EnergyTable resolve(const YamlMap& root) {
    EnergyTable t;
    t.file = root.file();
    t.name = root.get_string("name");
    root.get_string("source", "");
    t.unit = parse_enum(root.get_enum("unit", enum_names(kEnergyUnits), "pJ"), kEnergyUnits, "energy unit");
    t.scale_with_width = root.get_enum("width_scaling", {"linear", "none"}, "linear") == "linear";
    for (Level l : kLevels) {
        YamlMap m = root.child(std::string(to_string(l)));
        LevelCost& c = t.at(l);
        c.read = m.get_double("read", 0.0, 1e9);
        c.write = m.get_double("write", 0.0, 1e9);
        c.reference_bits = static_cast<int>(m.get_int("reference_bits", 1, 4096));
        if (l == Level::Glb) {
            t.glb_reference_kb = m.get_double("reference_kb", 1e-3, 1e9, 32.0);
            t.glb_size_exponent = m.get_double("size_exponent", 0.0, 4.0, 0.0);
        }
        if (l == Level::Rf && m.has("size_exponent")) {
            t.sizes.rf = true;
            t.sizes.rf_reference_bytes = m.get_double("reference_bytes", 1.0, 1e9);
            t.sizes.rf_size_exponent = m.get_double("size_exponent", 0.0, 4.0);
            t.sizes.rf_min_bytes = m.get_double("min_bytes", 0.0, 1e9, 0.0);
        }
        if (l == Level::Noc && m.has("wire_share")) {
            t.sizes.noc = true;
            t.sizes.noc_wire_share = m.get_double("wire_share", 0.0, 1.0);
            t.sizes.noc_reference_span_mm = m.get_double("reference_span_mm", 1e-6, 1e6);
        }
        m.check_no_unknown_keys();
    }
    YamlMap alu = root.child("alu");
    t.mac = alu.get_double("mac", 0.0, 1e9);
    t.add = alu.get_double("add", 0.0, 1e9);
    t.multiply = alu.get_double("multiply", 0.0, t.mac, t.mac);
    t.lut_read = alu.get_double("lut_read", 0.0, 1e9, -1);
    t.lut_write = alu.get_double("lut_write", 0.0, 1e9, -1);
    t.lut_reference_entries = alu.get_double("lut_reference_entries", 1.0, 1e9, 16);
    t.lut_size_exponent = alu.get_double("lut_size_exponent", 0.0, 4.0, 0.5);
    t.xnor_popcount = alu.get_double("xnor_popcount", 0.0, 1e9, -1);
    alu.check_no_unknown_keys();
    if (auto tech = root.opt_child("technology")) {
        t.tech.node_nm = static_cast<int>(tech->get_int("node_nm", 1, 1000));
        t.tech.vdd = tech->get_double("vdd", 0.1, 5.0);
        tech->check_no_unknown_keys();
    }
    if (auto area = root.opt_child("area")) {
        t.area.present = true;
        t.area.full_adder_um2 = area->get_double("full_adder_um2", 0.0, 1e9);
        t.area.sram_bit_um2 = area->get_double("sram_bit_um2", 0.0, 1e9);
        t.area.sram_periphery_um2 = area->get_double("sram_periphery_um2", 0.0, 1e9);
        t.area.pe_other_um2 = area->get_double("pe_other_um2", 0.0, 1e12);
        area->check_no_unknown_keys();
    }
    if (auto st = root.opt_child("static")) {
        t.statics.leakage_mw_per_mm2 = st->get_double("leakage_mw_per_mm2", 0.0, 1e6, 0.0);
        t.statics.clock_per_mm2_cycle = st->get_double("clock_per_mm2_cycle", 0.0, 1e9, 0.0);
        if (!t.area.present)
            st->fail(st->has("leakage_mw_per_mm2") ? "leakage_mw_per_mm2" : "clock_per_mm2_cycle",
                     "an area: section beside it (static energy is per mm^2 of the area model)");
        if (t.unit != EnergyUnit::Pj && t.statics.leakage_mw_per_mm2 > 0)
            st->fail("leakage_mw_per_mm2", "a table in pJ (leakage is in mW)");
        st->check_no_unknown_keys();
    }
    if (t.sizes.noc && !t.area.present)
        root.child("noc").fail("wire_share", "an area: section in the table (the span is measured in PE pitches)");
    if (const std::optional<YamlMap> op = root.opt_child("operand_register")) {
        t.opreg_write = op->get_double("write", 0.0, 1e9);
        t.opreg_reference_bits = static_cast<int>(op->get_int("reference_bits", 1, 4096));
        op->check_no_unknown_keys();
    } else {  // charged as an RF write, as before operand registers were counted apart
        t.opreg_write = t.at(Level::Rf).write;
        t.opreg_reference_bits = t.at(Level::Rf).reference_bits;
    }
    root.check_no_unknown_keys();
    return t;
}
}  // namespace

// An Accelergy ERT (top-level key ERT:) is read by config/accelergy.
EnergyTable load_energy_table(const std::string& path) {
    return load_energy_table_from_string(read_input_file(path), path);
}
EnergyTable load_energy_table_from_string(const std::string& yaml, const std::string& name) {
    // parsed once: an ERT is told apart by its top-level key (load_accelergy_ert reads it again)
    const YamlMap root = YamlMap::from_string(yaml, name);
    const std::vector<std::string> keys = root.keys();
    if (std::find(keys.begin(), keys.end(), "ERT") != keys.end()) return load_accelergy_ert(yaml, name);
    return resolve(root);
}

}  // namespace dfsim
