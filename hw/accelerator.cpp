#include "hw/accelerator.h"

namespace dfsim::hw {

using namespace sc_core;

Accelerator::Accelerator(sc_module_name name, const ArchParams& arch, const Program& program, DramImage& image,
                         sc_trace_file* trace, uint32_t trace_layer, Timing timing)
    : sc_module(name),
      m_arch(arch),
      m_program(program),
      m_period(1e6 / arch.clock_mhz, SC_PS),
      m_glb(arch.glb, program.slots),
      m_state(program.ops.size(), 0),
      m_reads(program.ops.size(), {-1, -1, -1}),
      m_writes(program.ops.size(), {-1, -1, -1}) {
    m_dram = std::make_unique<Dram>("dram", arch.dram, m_period, image, m_glb, m_counts);
    if (trace) m_tracer = std::make_unique<Tracer>("trace", arch.rows, arch.cols, m_period, trace, trace_layer);
    if (timing == Timing::Pass) {
        m_array = std::make_unique<PeArray>("pe_array", arch, m_period, m_glb, m_counts);
    } else {
        m_banks = std::make_unique<GlbBanks>(m_glb.bank_map());
        m_array = std::make_unique<CycleArray>("pe_array", arch, m_period, m_glb, *m_banks, m_counts);
    }
    m_array->set_layer(program.layer, program.datapath);
    m_array->set_tracer(m_tracer.get());
    for (size_t i = 0; i < program.ops.size(); ++i) {
        const Op& op = program.ops[i];
        if (const Load* ld = op.as<Load>())
            m_writes[i][0] = ld->slot;
        else if (const Shape* sh = op.as<Shape>())
            m_writes[i][0] = sh->slot;
        else if (const Store* st = op.as<Store>())
            m_reads[i][0] = st->slot;
        else if (const RowPass* rp = op.as<RowPass>())
            read_write_slots(i, *rp);
        else if (const GridPass* gp = op.as<GridPass>())
            read_write_slots(i, *gp);
    }
    SC_METHOD(issue);
    sensitive << m_kick;
    dont_initialize();
    // the layer's configuration is scanned in before its first operation
    m_kick.notify(m_period * static_cast<double>(arch.reconfig_cycles()));
}

namespace {
// The PEs a pass uses: a row-stationary pass r_count x e_count per set; a reduce pass a PE row per
// (channel, filter row) and a column per p filters; an output pass one PE per output.
uint64_t pes_used(const Op& op) {
    const auto u = [](int x) { return static_cast<uint64_t>(x); };
    if (const RowPass* rp = op.as<RowPass>()) return rp->sets.size() * u(rp->r_count) * u(rp->e_count);
    const GridPass& g = *op.as<GridPass>();
    if (const ReduceMode* r = std::get_if<ReduceMode>(&g.mode)) {
        const int p = r->weights == WeightSource::RegisterFile ? r->p : 1;
        return u(g.c_count) * u(g.r_count) * ((u(g.m_count) + u(p) - 1) / u(p));
    }
    return u(g.m_count) * u(g.n_count) * u(g.e_count) * u(g.f_count);
}
}  // namespace

void Accelerator::start_pass(const Op& op, std::function<void()> done) {
    m_pass_start = now_cycle();
    if (m_activity.passes++ == 0) m_activity.array_start = m_pass_start;
    m_activity.pe_fraction_sum += static_cast<double>(pes_used(op)) / m_arch.num_pes();
    if (const RowPass* rp = op.as<RowPass>())
        m_array->start(*rp, std::move(done));
    else
        m_array->start(*op.as<GridPass>(), std::move(done));
}

template <typename Pass>
void Accelerator::read_write_slots(size_t i, const Pass& p) {
    m_reads[i] = {p.ifmap_slot, p.filter_slot, p.psum_slot};
    m_writes[i][0] = p.psum_slot;
}

void Accelerator::note_transfer(DramTensor tensor, std::pair<Cycle, Cycle> channel) {
    const size_t t = static_cast<size_t>(dram_data_type(tensor));
    if (m_activity.dram_transfers[t]++ == 0) m_activity.dram_start[t] = channel.first;
    m_activity.dram_stop[t] = std::max(m_activity.dram_stop[t], channel.second);
}

Cycle Accelerator::now_cycle() const { return sc_time_stamp().value() / m_period.value(); }

bool Accelerator::conflicts(size_t a, size_t b) const {
    for (int wa : m_writes[a])
        if (wa >= 0)
            for (int x : m_reads[b])
                if (x == wa) return true;
    for (int wb : m_writes[b])
        if (wb >= 0) {
            for (int x : m_reads[a])
                if (x == wb) return true;
            for (int x : m_writes[a])
                if (x == wb) return true;
        }
    return false;
}

void Accelerator::complete(size_t op) {
    m_state[op] = 2;
    ++m_done_count;
    if (m_program.ops[op].on_array()) {
        m_activity.array_stop = now_cycle();
        m_activity.array_busy += m_activity.array_stop - m_pass_start;
    }
    if (m_tracer) {
        m_tracer->op_done();
        if (m_program.ops[op].on_array()) m_tracer->pass_done();
    }
    while (m_first_open < m_state.size() && m_state[m_first_open] == 2) ++m_first_open;
    if (finished()) m_end_cycle = now_cycle();
    m_kick.notify(SC_ZERO_TIME);
}

void Accelerator::issue() {
    const auto& ops = m_program.ops;
    // Operations start in program order per resource; a later op may overtake an earlier one on
    // another resource when its slot dependences allow.
    auto ready = [&](size_t i) {
        for (size_t k = m_first_open; k < i; ++k)
            if (m_state[k] != 2 && conflicts(k, i)) return false;
        return true;
    };
    bool progress = true;
    while (progress) {
        progress = false;
        while (m_next_dma < ops.size() && ops[m_next_dma].on_array()) ++m_next_dma;
        while (m_next_pass < ops.size() && !ops[m_next_pass].on_array()) ++m_next_pass;
        if (m_next_dma < ops.size() && ready(m_next_dma)) {
            size_t i = m_next_dma++;
            m_state[i] = 1;
            if (m_tracer) m_tracer->op_started();
            const auto done = [this, i] { complete(i); };
            if (const Shape* sh = ops[i].as<Shape>()) {
                m_glb.shape(sh->slot, sh->dims);
                complete(i);
            } else {
                const Load* ld = ops[i].as<Load>();
                const auto channel = ld ? m_dram->request(*ld, done) : m_dram->request(*ops[i].as<Store>(), done);
                note_transfer(ld ? ld->tensor : ops[i].as<Store>()->tensor, channel);
                if (m_tracer) m_tracer->dram_transfer(channel.first, channel.second, static_cast<uint32_t>(i));
            }
            progress = true;
        }
        if (m_next_pass < ops.size() && !array_busy() && ready(m_next_pass)) {
            size_t i = m_next_pass++;
            m_state[i] = 1;
            if (m_tracer) {
                m_tracer->op_started();
                m_tracer->pass_started(m_passes_started);
            }
            ++m_passes_started;
            start_pass(ops[i], [this, i] { complete(i); });
            progress = true;
        }
    }
    if (ops.empty()) m_end_cycle = now_cycle();
}

}  // namespace dfsim::hw
