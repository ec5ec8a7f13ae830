#include "common/arch.h"

#include "common/yaml_reader.h"

namespace dfsim {

namespace {
ArchParams resolve(const YamlMap& root) {
    ArchParams a;
    a.file = root.file();
    a.name = root.get_string("name");
    root.get_string("source", "");
    a.clock_mhz = root.get_double("clock_mhz", 1.0, 10000.0);
    {
        YamlMap m = root.child("pe_array");
        a.rows = static_cast<int>(m.get_int("rows", 1, 1024));
        a.cols = static_cast<int>(m.get_int("cols", 1, 1024));
        m.check_no_unknown_keys();
    }
    {
        YamlMap m = root.child("pe");
        a.pe.ifmap_spad_words = static_cast<int>(m.get_int("ifmap_spad_words", 1, 1 << 20));
        a.pe.filter_spad_words = static_cast<int>(m.get_int("filter_spad_words", 1, 1 << 20));
        a.pe.psum_spad_words = static_cast<int>(m.get_int("psum_spad_words", 1, 1 << 20));
        a.pe.pipeline_depth = static_cast<int>(m.get_int("pipeline_depth", 1, 64));
        a.pe.mac_bits = static_cast<int>(m.get_int("mac_bits", 1, 8, 8));
        a.pe.psum_bits = static_cast<int>(m.get_int("psum_bits", 16, 32));
        m.check_no_unknown_keys();
    }
    {
        YamlMap m = root.child("noc");
        a.noc.ifmap_bus_bits = static_cast<int>(m.get_int("ifmap_bus_bits", 8, 4096));
        a.noc.filter_bus_bits = static_cast<int>(m.get_int("filter_bus_bits", 8, 4096));
        a.noc.psum_in_bus_bits = static_cast<int>(m.get_int("psum_in_bus_bits", 8, 4096));
        a.noc.psum_out_bus_bits = static_cast<int>(m.get_int("psum_out_bus_bits", 8, 4096));
        a.noc.psum_link_bits = static_cast<int>(m.get_int("psum_link_bits", 8, 4096));
        m.check_no_unknown_keys();
    }
    {
        YamlMap m = root.child("glb");
        a.glb.size_bytes = static_cast<int64_t>(m.get_double("size_kb", 0.125, 1 << 20) * 1024.0);
        a.glb.banks = static_cast<int>(m.get_int("banks", 1, 4096));
        a.glb.bank_width_bits = static_cast<int>(m.get_int("bank_width_bits", 8, 4096));
        a.glb.double_buffer = m.get_bool("double_buffer", true);
        m.check_no_unknown_keys();
    }
    {
        YamlMap m = root.child("dram");
        a.dram.bytes_per_cycle = m.get_double("bandwidth_bytes_per_cycle", 0.001, 1e6);
        a.dram.latency_cycles = static_cast<int>(m.get_int("latency_cycles", 0, 1000000));
        m.check_no_unknown_keys();
    }
    root.check_no_unknown_keys();
    return a;
}
}  // namespace

ArchParams load_arch(const std::string& path) { return resolve(YamlMap::load_file(path)); }
ArchParams load_arch_from_string(const std::string& yaml, const std::string& name) {
    return resolve(YamlMap::from_string(yaml, name));
}

}  // namespace dfsim
