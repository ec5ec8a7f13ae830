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

void Accelerator::start_pass(const Op& op, std::function<void()> done) {
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
