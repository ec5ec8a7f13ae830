// Resolved accelerator parameters (immutable after loading). Raw YAML is read and validated
// in arch.cpp only; hardware models take this struct.
#pragma once
#include <cstdint>
#include <string>

namespace dfsim {

struct PeParams {
    int ifmap_spad_words = 12;    // words
    int filter_spad_words = 224;  // words
    int psum_spad_words = 24;     // words
    int pipeline_depth = 2;       // cycles from MAC issue to result in the psum spad
    int mac_bits = 8;             // widest operand the multiplier takes
    int psum_bits = 32;           // psum storage width (spad, links, GLB)
};

struct NocParams {
    int ifmap_bus_bits = 64;      // global input network, ifmap bus: bits per cycle
    int filter_bus_bits = 64;     // global input network, filter bus
    int psum_in_bus_bits = 64;    // GLB -> array psum bus (accumulating earlier partial sums)
    int psum_out_bus_bits = 64;   // global output network: array -> GLB
    int psum_link_bits = 32;      // local link between vertically adjacent PEs
};

struct GlbParams {
    int64_t size_bytes = 108 * 1024;
    int banks = 27;
    int bank_width_bits = 64;     // each bank moves this many bits per cycle
    bool double_buffer = true;    // tiles are double-buffered so DRAM transfers overlap compute
    int64_t bits_per_cycle() const { return static_cast<int64_t>(banks) * bank_width_bits; }
};

struct DramParams {
    double bytes_per_cycle = 8.0;  // sustained bandwidth, in core cycles
    int latency_cycles = 100;      // first-word latency of a transfer
};

struct ArchParams {
    std::string name;
    std::string file;
    double clock_mhz = 200.0;
    int rows = 12;  // PE array rows
    int cols = 14;  // PE array columns
    PeParams pe;
    NocParams noc;
    GlbParams glb;
    DramParams dram;
    int num_pes() const { return rows * cols; }
};

// Loads and validates an architecture file; throws ConfigError.
ArchParams load_arch(const std::string& path);
ArchParams load_arch_from_string(const std::string& yaml, const std::string& name);

}  // namespace dfsim
