#include "hw/dram.h"

#include <cmath>

#include "hw/rlc.h"

namespace dfsim::hw {

using namespace sc_core;

Tensor4& DramImage::tensor(DramTensor t) {
    switch (t) {
        case DramTensor::Ifmap: return ifmap;
        case DramTensor::Filter: return filter;
        case DramTensor::Output: return output;
    }
    return output;
}

int DramImage::bits(DramTensor t) const {
    switch (t) {
        case DramTensor::Ifmap: return ifmap_bits;
        case DramTensor::Filter: return filter_bits;
        case DramTensor::Output: return output_bits;
    }
    return 32;
}

Dram::Dram(sc_module_name name, const DramParams& params, sc_time period, DramImage& image,
           GlobalBuffer& glb, ActionCounts& counts)
    : sc_module(name), m_params(params), m_period(period), m_image(image), m_glb(glb), m_counts(counts) {
    SC_METHOD(on_complete);
    sensitive << m_wake;
    dont_initialize();
}

uint64_t Dram::now_cycle() const { return sc_time_stamp().value() / m_period.value(); }

std::pair<uint64_t, uint64_t> Dram::request(const Op& op, std::function<void()> done) {
    DFSIM_ASSERT(op.kind == Op::Kind::Load || op.kind == Op::Kind::Store, "DRAM serves loads and stores");
    const uint64_t raw_bits = op.box.words() * static_cast<uint64_t>(m_image.bits(op.tensor));
    uint64_t moved_bits = raw_bits;
    const bool fmap = (op.kind == Op::Kind::Load && op.tensor == DramTensor::Ifmap) ||
                      (op.kind == Op::Kind::Store && op.tensor == DramTensor::Output);
    if (m_image.rlc && fmap && m_image.bits(op.tensor) <= 16) {
        // the link moves the run-length code of the transfer's actual values
        const Box& b = op.box;
        std::vector<int32_t> v;
        v.reserve(static_cast<size_t>(b.words()));
        const Tensor4& src = op.kind == Op::Kind::Load ? m_image.tensor(op.tensor) : m_glb.slot(op.slot);
        const std::array<int, 4> lo = op.kind == Op::Kind::Load ? b.lo : std::array<int, 4>{0, 0, 0, 0};
        for (int i0 = 0; i0 < b.count[0]; ++i0)
            for (int i1 = 0; i1 < b.count[1]; ++i1)
                for (int i2 = 0; i2 < b.count[2]; ++i2) {
                    const int32_t* p = &src.data[src.index(lo[0] + i0, lo[1] + i1, lo[2] + i2, lo[3])];
                    v.insert(v.end(), p, p + b.count[3]);
                }
        const RlcParams rp;
        moved_bits = rlc_encoded_words(v.data(), v.size(), rp) * static_cast<uint64_t>(rp.word_bits);
    }
    const int type = op.tensor == DramTensor::Ifmap ? 0 : op.tensor == DramTensor::Filter ? 1 : 2;
    m_counts.dram_raw_bits[static_cast<size_t>(type)] += raw_bits;
    m_counts.dram_moved_bits[static_cast<size_t>(type)] += moved_bits;
    uint64_t bytes = (moved_bits + 7) / 8;
    auto busy = static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) / m_params.bytes_per_cycle));
    uint64_t now = now_cycle();
    uint64_t start = std::max(now, m_channel_free);
    m_channel_free = start + busy;
    m_busy_cycles += busy;
    uint64_t done_cycle = m_channel_free + static_cast<uint64_t>(m_params.latency_cycles);
    m_pending.push(Pending{done_cycle, m_seq++, op, std::move(done)});
    m_wake.notify(m_period * static_cast<double>(m_pending.top().done_cycle - now));
    return {start, m_channel_free};
}

void Dram::copy(const Op& op) {
    Tensor4& t = m_image.tensor(op.tensor);
    const Box& b = op.box;
    DataType type = op.tensor == DramTensor::Ifmap ? DataType::Ifmap
                    : op.tensor == DramTensor::Filter ? DataType::Filter : DataType::Psum;
    for (int d = 0; d < 4; ++d)
        DFSIM_ASSERT(b.lo[d] >= 0 && b.lo[d] + b.count[d] <= t.dim[d], "DMA box outside the DRAM tensor");
    if (op.kind == Op::Kind::Load) m_glb.shape(op.slot, b);
    Tensor4& tile = m_glb.slot(op.slot);
    DFSIM_ASSERT(tile.dim == b.count, "store from a slot whose tile does not match the box");
    for (int i0 = 0; i0 < b.count[0]; ++i0)
        for (int i1 = 0; i1 < b.count[1]; ++i1)
            for (int i2 = 0; i2 < b.count[2]; ++i2) {
                int32_t* dram = &t.at(b.lo[0] + i0, b.lo[1] + i1, b.lo[2] + i2, b.lo[3]);
                int32_t* glb = &tile.at(i0, i1, i2, 0);
                if (op.kind == Op::Kind::Load) std::copy(dram, dram + b.count[3], glb);
                else std::copy(glb, glb + b.count[3], dram);
            }
    uint64_t w = b.words();
    if (op.kind == Op::Kind::Load) {
        m_counts.acc.at(Level::Dram, type).reads += w;
        m_counts.acc.at(Level::Glb, type).writes += w;
    } else {
        m_counts.acc.at(Level::Glb, type).reads += w;
        m_counts.acc.at(Level::Dram, type).writes += w;
        if (type == DataType::Psum) m_counts.glb_output_reads += w;
    }
}

void Dram::on_complete() {
    uint64_t now = now_cycle();
    while (!m_pending.empty() && m_pending.top().done_cycle <= now) {
        Pending p = m_pending.top();
        m_pending.pop();
        copy(p.op);
        p.done();
    }
    if (!m_pending.empty()) m_wake.notify(m_period * static_cast<double>(m_pending.top().done_cycle - now));
}

}  // namespace dfsim::hw
