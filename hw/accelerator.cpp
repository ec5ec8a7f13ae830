#include "hw/accelerator.h"

namespace dfsim::hw {

using namespace sc_core;

Accelerator::Accelerator(sc_module_name name, const ArchParams& arch, const Program& program,
                         DramImage& image, sc_trace_file* trace, uint32_t trace_layer, Timing timing)
    : sc_module(name), m_arch(arch), m_program(program),
      m_period(1e6 / arch.clock_mhz, SC_PS), m_glb(arch.glb, program.slots),
      m_state(program.ops.size(), 0), m_reads(program.ops.size(), {-1, -1, -1}),
      m_writes(program.ops.size(), {-1, -1, -1}) {
    m_dram = std::make_unique<Dram>("dram", arch.dram, m_period, image, m_glb, m_counts);
    if (trace) m_tracer = std::make_unique<Tracer>("trace", arch.rows, arch.cols, m_period, trace, trace_layer);
    if (timing == Timing::Pass) {
        m_array = std::make_unique<PeArray>("pe_array", arch, m_period, m_glb, m_counts);
        m_array->set_datapath(program.datapath);
        m_array->set_tracer(m_tracer.get());
    } else {
        m_banks = std::make_unique<GlbBanks>(arch.glb, program.slots);
        m_cycle = std::make_unique<CycleArray>("pe_array", arch, m_period, m_glb, *m_banks, m_counts);
        m_cycle->set_datapath(program.datapath);
        m_cycle->set_tracer(m_tracer.get());
    }
    for (size_t i = 0; i < program.ops.size(); ++i) {
        const Op& op = program.ops[i];
        switch (op.kind) {
            case Op::Kind::Load:
            case Op::Kind::Shape: m_writes[i][0] = op.slot; break;
            case Op::Kind::Store: m_reads[i][0] = op.slot; break;
            case Op::Kind::Pass:
                m_reads[i] = {op.pass.ifmap_slot, op.pass.filter_slot, op.pass.psum_slot};
                m_writes[i][0] = op.pass.psum_slot;
                break;
            case Op::Kind::Grid:
                m_reads[i] = {op.grid.ifmap_slot, op.grid.filter_slot, op.grid.psum_slot};
                m_writes[i][0] = op.grid.psum_slot;
                break;
        }
    }
    SC_METHOD(issue);
    sensitive << m_kick;  // initialized: runs once at time zero
}

void Accelerator::start_pass(const Op& op, std::function<void()> done) {
    if (m_array) {
        if (op.kind == Op::Kind::Pass) m_array->start(op.pass, std::move(done));
        else m_array->start(op.grid, std::move(done));
    } else {
        if (op.kind == Op::Kind::Pass) m_cycle->start(op.pass, std::move(done));
        else m_cycle->start(op.grid, std::move(done));
    }
}

uint64_t Accelerator::now_cycle() const { return sc_time_stamp().value() / m_period.value(); }

bool Accelerator::conflicts(size_t a, size_t b) const {
    for (int wa : m_writes[a])
        if (wa >= 0)
            for (int x : m_reads[b]) if (x == wa) return true;
    for (int wb : m_writes[b])
        if (wb >= 0) {
            for (int x : m_reads[a]) if (x == wb) return true;
            for (int x : m_writes[a]) if (x == wb) return true;
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
        while (m_next_dma < ops.size() &&
               ops[m_next_dma].on_array()) ++m_next_dma;
        while (m_next_pass < ops.size() && !ops[m_next_pass].on_array()) ++m_next_pass;
        if (m_next_dma < ops.size() && ready(m_next_dma)) {
            size_t i = m_next_dma++;
            m_state[i] = 1;
            if (m_tracer) m_tracer->op_started();
            if (ops[i].kind == Op::Kind::Shape) {
                m_glb.shape(ops[i].slot, ops[i].box);
                complete(i);
            } else {
                const auto channel = m_dram->request(ops[i], [this, i] { complete(i); });
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
