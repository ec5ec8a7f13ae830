// The mapper's choices, kept by everything that decides them (mapping_key): the identical layers
// of a network (MobileNet's PW7-PW11), the same layer in every point of a sweep or every rerun
// are searched once. In memory for a process; with a folder, also on disk for later runs (one
// file per key, written atomically, so concurrent writers never leave a half-written entry).
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dataflows/dataflow.h"

namespace dfsim {

// Every input that can change the mapper's choice, as text: the dataflow, the objective, the
// layer's shape and formats (not its name or data), the architecture the dataflow runs on
// (not its name), the energy table's figures and the mapper's version (kMapperVersion, raised
// whenever the map space, the analytical model or the search changes).
std::string mapping_key(const std::string& dataflow, Objective obj, const Layer& l, const ArchParams& a,
                        const EnergyTable& t);
extern const char* const kMapperVersion;

class MappingCache {
public:
    // dir "": memory only.
    explicit MappingCache(std::string dir = "") : m_dir(std::move(dir)) {}
    const std::string& dir() const { return m_dir; }
    // The mapping stored under `key`, read back for the layer (Dataflow::parse_mapping), or null.
    std::unique_ptr<Mapping> find(const std::string& key, const Dataflow& df, const Layer& l, const ArchParams& a);
    void store(const std::string& key, const Mapping& m);

private:
    std::string file_of(const std::string& key) const;
    std::string m_dir;
    std::mutex m_mutex;
    std::map<std::string, std::string> m_entries;  // key -> Mapping::to_yaml()
};

// The mapper's choice for the layer through `cache` (null: no cache): a hit is counted in
// stats.cache_hits and stats.layers; a miss is searched (search_mappings) and stored.
std::unique_ptr<Mapping> cached_mapping(MappingCache* cache, const Dataflow& df, const Layer& l, const ArchParams& a,
                                        const EnergyTable& t, const MapperOptions& opt, MapperStats& stats);

}  // namespace dfsim
