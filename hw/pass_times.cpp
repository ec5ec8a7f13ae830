#include "hw/pass_times.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "hw/global_buffer.h"

namespace dfsim::hw {

namespace {

std::atomic<int> g_override{-1};  // a PassTimes::Use set by set_use, or -1

PassTimes::Use from_environment() {
    const char* v = std::getenv("DFSIM_PASS_TIMES");
    if (v == nullptr || std::strcmp(v, "on") == 0 || *v == '\0') return PassTimes::Use::On;
    if (std::strcmp(v, "off") == 0) return PassTimes::Use::Off;
    if (std::strcmp(v, "check") == 0) return PassTimes::Use::Check;
    throw UserError("DFSIM_PASS_TIMES: expected on, off or check, got '" + std::string(v) + "'");
}

// The key's words, appended as raw bytes.
class KeyWriter {
public:
    void put(int64_t v) { m_s.append(reinterpret_cast<const char*>(&v), sizeof v); }
    void pass(const ArrayPass& p, const GlobalBuffer& glb) {
        for (int v : {p.ifmap_slot, p.filter_slot, p.psum_slot, p.ifmap_row0, p.n0, p.n_count, p.r0, p.r_count, p.e0,
                      p.e_count, p.psum_e0})
            put(v);
        put(p.psum_in);
        put(p.final_out);
        for (int slot : {p.ifmap_slot, p.filter_slot, p.psum_slot}) {
            if (slot < 0) continue;
            for (int d : glb.slot(slot).dim) put(d);
        }
    }
    std::string take() { return std::move(m_s); }

private:
    std::string m_s;
};

}  // namespace

PassTimes::Use PassTimes::use() {
    const int o = g_override.load(std::memory_order_relaxed);
    if (o >= 0) return static_cast<Use>(o);
    static const Use env = from_environment();
    return env;
}

void PassTimes::set_use(Use u) { g_override.store(static_cast<int>(u), std::memory_order_relaxed); }

std::string timing_key(const RowPass& p, const GlobalBuffer& glb) {
    KeyWriter k;
    k.put(0);  // a row pass
    k.pass(p, glb);
    k.put(p.load_filters);
    k.put(static_cast<int64_t>(p.sets.size()));
    for (const RowSet& s : p.sets)
        for (int v : {s.pe_row0, s.pe_col0, s.m0, s.p, s.c0, s.q, s.psum_from, static_cast<int>(s.to_glb)}) k.put(v);
    return k.take();
}

std::string timing_key(const GridPass& p, const GlobalBuffer& glb) {
    KeyWriter k;
    k.put(1);  // a grid pass
    k.pass(p, glb);
    for (int v : {p.m0, p.m_count, p.c0, p.c_count, p.f0, p.f_count, p.pe_row0, p.pe_col0}) k.put(v);
    k.put(static_cast<int64_t>(p.mode.index()));
    if (const ReduceMode* r = std::get_if<ReduceMode>(&p.mode)) {
        k.put(static_cast<int64_t>(r->weights));
        k.put(r->p);
    } else {
        const OutputMode& o = std::get<OutputMode>(p.mode);
        k.put(static_cast<int64_t>(o.ifmap));
        k.put(o.pe_width);
    }
    return k.take();
}

}  // namespace dfsim::hw
