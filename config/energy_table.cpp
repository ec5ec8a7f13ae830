#include "config/energy_table.h"

#include <cmath>

#include "config/yaml_reader.h"

namespace dfsim {

double EnergyTable::access(Level l, bool is_write, int bits, double glb_bytes) const {
    const LevelCost& c = at(l);
    double e = is_write ? c.write : c.read;
    if (scale_with_width) e *= static_cast<double>(bits) / c.reference_bits;
    if (l == Level::Glb && glb_size_exponent != 0.0)
        e *= std::pow(glb_bytes / (glb_reference_kb * 1024.0), glb_size_exponent);
    return e;
}

double EnergyTable::mac_energy(int wb, int ab, int pb) const {
    const double mult = multiply < 0 ? mac : multiply;
    return mult * (static_cast<double>(wb) * ab / 64.0) + (mac - mult) * pb / 32.0;
}

double EnergyTable::lut_read_energy(uint64_t entries) const {
    return lut_read * std::pow(static_cast<double>(entries) / lut_reference_entries, lut_size_exponent);
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

EnergyTable load_energy_table(const std::string& path) { return resolve(YamlMap::load_file(path)); }
EnergyTable load_energy_table_from_string(const std::string& yaml, const std::string& name) {
    return resolve(YamlMap::from_string(yaml, name));
}

}  // namespace dfsim
