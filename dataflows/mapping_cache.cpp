#include "dataflows/mapping_cache.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/hash.h"
#include "config/yaml_reader.h"
#include "dataflows/mapper.h"

namespace dfsim {

const char* const kMapperVersion = "dfsim-mapper-2026-12-02-skipping";

namespace {

// A new field in one of these structs must join mapping_key (or be said here not to decide a
// mapping); the sizes are this compiler's (g++ 12, x86-64), checked so that it is not forgotten.
// Not deciding a mapping: GivenArea's source (its figures are in EnergyTable::figures); ArchParams' name, file, energy_table, equal_area (for_dataflow has applied it), batch (the layer has it), dataflow
// (the key has the one run), notes and adds_on_accelerator (the layers come lowered); Layer's inputs and bias_real and Requant's clip (the
// values, as the bias, not the shapes and formats the mapper ranks); Layer's matrix (a gemm's or
// matmul's, lowered into its shape) and lowered_add (an add's conv is mapped as any conv of its
// shape).
static_assert(sizeof(LayerShape) == 40 && sizeof(Format) == 12 && sizeof(PeParams) == 64 && sizeof(NocParams) == 24 &&
                  sizeof(GlbParams) == 24 && sizeof(DramParams) == 48 && sizeof(ReconfigParams) == 16 &&
                  sizeof(Layer) == 584 && sizeof(DataZeros) == 32 && sizeof(EnergyTable) == 496 &&
                  sizeof(Requant) == 96 && sizeof(ArchParams) == 576,
              "a field was added: add it to mapping_key");

void put(std::ostringstream& os, const Format& f) {
    os << f.bits << (f.is_signed ? "s" : "u") << (f.binary ? "b" : "") << "z" << f.zero_point << " ";
}

void put_layer(std::ostringstream& os, const Layer& l) {
    const LayerShape& s = l.shape;
    os << "layer " << static_cast<int>(l.type) << " " << s.N << " " << s.C << " " << s.H << " " << s.W << " " << s.M
       << " " << s.R << " " << s.S << " " << s.U << " " << s.P << " " << s.G << " ";
    put(os, l.ifmap), put(os, l.filter);
    os << l.psum_bits << " " << static_cast<int>(l.multiplier) << " " << l.requant.enabled << " ";
    put(os, l.requant.out);
    char links[80];
    std::snprintf(links, sizeof links, "%a %a", l.zeros.ifmap_link, l.zeros.output_link);  // exact
    os << l.value_bits_ifmap << " " << l.value_bits_filter << " " << l.network_input << "\nzeros " << l.zeros.gated_macs
       << " " << l.zeros.ifmap_zero_slots << " " << links << "\n";
}

void put_arch(std::ostringstream& os, const ArchParams& a) {
    const PeParams& pe = a.pe;
    os << "arch " << a.clock_mhz << " " << a.rows << " " << a.cols << " " << a.word_bits << "\npe "
       << pe.ifmap_spad_words << " " << pe.filter_spad_words << " " << pe.psum_spad_words << " " << pe.pipeline_depth
       << " " << pe.psum_add_in_mac_slots << " " << pe.mac_bits << " " << pe.psum_bits << " " << pe.gate_ifmap_zeros
       << " " << pe.gate_weight_zeros << " " << pe.zero_skipping << " " << pe.lut_max_bits << " " << pe.xnor_bits;
    for (Multiplier m : pe.multipliers) os << " m" << static_cast<int>(m);
    const NocParams& n = a.noc;
    os << "\nnoc " << n.ifmap_bus_bits << " " << n.filter_bus_bits << " " << n.psum_in_bus_bits << " "
       << n.psum_out_bus_bits << " " << n.psum_link_bits << " " << static_cast<int>(n.reduction);
    const GlbParams& g = a.glb;
    os << "\nglb " << g.size_bytes << " " << g.banks << " " << g.bank_width_bits << " " << g.double_buffer << " "
       << g.prefetch_filters << " " << g.search_buffering << " " << static_cast<int>(g.bank_layout);
    const DramParams& d = a.dram;
    char bw[64];
    std::snprintf(bw, sizeof bw, "%a", d.bytes_per_cycle);  // exact
    os << "\ndram " << bw << " " << d.latency_cycles << " " << d.link_bits << " " << d.link_clock_mhz << " " << d.rlc
       << " " << d.rlc_network_input << " " << d.rlc_layout.run_bits << " " << d.rlc_layout.level_bits << " "
       << d.rlc_layout.pairs_per_word << " " << d.rlc_layout.word_bits << "\nreconfig " << a.reconfig_cycles() << "\n";
}

void put_table(std::ostringstream& os, const EnergyTable& t) {
    char buf[64];
    auto num = [&](double x) {
        std::snprintf(buf, sizeof buf, "%a ", x);  // exact
        os << buf;
    };
    os << "energy " << static_cast<int>(t.unit) << " " << t.scale_with_width << " ";
    for (double x : t.figures()) num(x);
    os << "\n";
}

// The key as the comment lines that open its file: "# " before each line.
std::string commented(const std::string& key) {
    std::string text;
    std::istringstream lines(key);
    for (std::string line; std::getline(lines, line);) text += "# " + line + "\n";
    return text;
}

}  // namespace

std::string mapping_key(const std::string& dataflow, Objective obj, const Layer& l, const ArchParams& a,
                        const EnergyTable& t) {
    std::ostringstream os;
    os << kMapperVersion << " " << dataflow << " objective " << static_cast<int>(obj) << "\n";
    put_layer(os, l);
    put_arch(os, a);
    put_table(os, t);
    return os.str();
}

std::string MappingCache::file_of(const std::string& key) const {
    char name[32];
    std::snprintf(name, sizeof name, "%016llx.yaml", static_cast<unsigned long long>(fnv1a64(key)));
    return m_dir + "/" + name;
}

std::unique_ptr<Mapping> MappingCache::find(const std::string& key, const Dataflow& df, const Layer& l,
                                            const ArchParams& a) {
    std::string yaml;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto hit = m_entries.find(key);
        if (hit != m_entries.end()) yaml = hit->second;
    }
    if (yaml.empty() && !m_dir.empty()) {  // an entry is "# key line ...\n" x N, then "mapping: {...}"
        std::ifstream in(file_of(key));
        std::ostringstream text;
        text << in.rdbuf();
        const std::string body = text.str(), head = commented(key);
        if (in && body.compare(0, head.size(), head) == 0) {
            const size_t at = body.find("mapping: ", head.size());
            if (at != std::string::npos) yaml = body.substr(at + 9, body.find('\n', at) - at - 9);
        }
    }
    if (yaml.empty()) return nullptr;
    try {
        auto m = df.parse_mapping(YamlMap::from_string(yaml, file_of(key)), l, a);
        std::lock_guard<std::mutex> lock(m_mutex);
        m_entries[key] = yaml;
        return m;
    } catch (const UserError&) {
        return nullptr;  // an entry that no longer reads (or no longer fits) is searched again
    }
}

void MappingCache::store(const std::string& key, const Mapping& m) {
    const std::string yaml = m.to_yaml();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_entries[key] = yaml;
    }
    if (m_dir.empty()) return;
    write_file_atomic(file_of(key), commented(key) + "mapping: " + yaml + "\n");
}

std::unique_ptr<Mapping> cached_mapping(MappingCache* cache, const Dataflow& df, const Layer& l, const ArchParams& a,
                                        const EnergyTable& t, const MapperOptions& opt, MapperStats& stats) {
    if (!cache) return search_mappings(df, l, a, t, opt, stats);
    const std::string key = mapping_key(df.name(), opt.objective, l, a, t);
    if (auto m = cache->find(key, df, l, a)) {
        stats.layers += 1;
        stats.cache_hits += 1;
        return m;
    }
    auto m = search_mappings(df, l, a, t, opt, stats);
    cache->store(key, *m);
    return m;
}

}  // namespace dfsim
