#include "hw/dram.h"

#include <cmath>

#include "hw/rlc.h"

namespace dfsim::hw {

using namespace sc_core;

const Tensor4& DramImage::loaded(DramTensor t) {
    switch (t) {
        case DramTensor::Ifmap:
            DFSIM_ASSERT(ifmap, "DRAM image without an ifmap");
            return *ifmap;
        case DramTensor::Filter:
            DFSIM_ASSERT(filter, "DRAM image without filters");
            return *filter;
        case DramTensor::Output:
        case DramTensor::Psum:
            break;
    }
    return stored(t);
}

Tensor4& DramImage::stored(DramTensor t) {
    DFSIM_ASSERT(t == DramTensor::Output || t == DramTensor::Psum, "a store into the layer's inputs");
    if (t == DramTensor::Output) return output;
    if (psum.size() == 0) psum = Tensor4(output.dim[0], output.dim[1], output.dim[2], output.dim[3]);
    return psum;
}

int DramImage::bits(DramTensor t) const {
    switch (t) {
        case DramTensor::Ifmap:
            return ifmap_bits;
        case DramTensor::Filter:
            return filter_bits;
        case DramTensor::Output:
            return output_bits;
        case DramTensor::Psum:
            break;
    }
    return 32;
}

Dram::Dram(sc_module_name name, const DramParams& params, sc_time period, DramImage& image, GlobalBuffer& glb,
           ActionCounts& counts)
    : sc_module(name), m_params(params), m_period(period), m_image(image), m_glb(glb), m_counts(counts) {
    SC_METHOD(on_complete);
    sensitive << m_wake;
    dont_initialize();
}

Cycle Dram::now_cycle() const { return sc_time_stamp().value() / m_period.value(); }

uint64_t Dram::moved_bits(const Transfer& op, bool load, uint64_t raw_bits) const {
    const bool fmap = (load && op.tensor == DramTensor::Ifmap) || (!load && op.tensor == DramTensor::Output);
    const std::optional<RlcParams>& code = load ? m_image.rlc_ifmap : m_image.rlc_output;
    if (!code || !fmap) return raw_bits;
    // the link moves the run-length code of the transfer's actual values
    const Box& b = op.box;
    std::vector<int32_t> v;
    v.reserve(static_cast<size_t>(b.words()));
    const Tensor4& src = load ? m_image.loaded(op.tensor) : m_glb.slot(op.slot);
    const std::array<int, 4> lo = load ? b.lo : std::array<int, 4>{0, 0, 0, 0};
    for (int i0 = 0; i0 < b.count[0]; ++i0)
        for (int i1 = 0; i1 < b.count[1]; ++i1)
            for (int i2 = 0; i2 < b.count[2]; ++i2) {
                const int32_t* p = &src.data[src.index(lo[0] + i0, lo[1] + i1, lo[2] + i2, lo[3])];
                v.insert(v.end(), p, p + b.count[3]);
            }
    return rlc_encoded_bits(v.data(), v.size(), *code);
}

int Dram::word_bits(const Transfer& op) const {
    return op.tensor == DramTensor::Psum ? m_glb.decl(op.slot).bits : m_image.bits(op.tensor);
}

Cycle Dram::channel_end(Cycle start, uint64_t bits) const {
    if (m_params.link_bits == 0) {  // one channel of bytes_per_cycle in the core clock
        const double bytes = static_cast<double>((bits + 7) / 8);
        return start + static_cast<uint64_t>(std::ceil(bytes / m_params.bytes_per_cycle));
    }
    // the link's own clock: the transfer starts on the first link edge at or after `start` and
    // moves link_bits a link cycle; it is done at the first core edge after its last beat
    const double core_mhz = 1e6 / static_cast<double>(m_period.to_seconds() * 1e12);  // period in ps
    const double ratio = core_mhz / m_params.link_clock_mhz;  // core cycles per link cycle
    const uint64_t beats =
        (bits + static_cast<uint64_t>(m_params.link_bits) - 1) / static_cast<uint64_t>(m_params.link_bits);
    const double eps = 1e-9;
    const auto first_edge = static_cast<uint64_t>(std::ceil(static_cast<double>(start) / ratio - eps));
    return static_cast<uint64_t>(std::ceil(static_cast<double>(first_edge + beats) * ratio - eps));
}

std::pair<Cycle, Cycle> Dram::enqueue(const Transfer& op, bool load, std::function<void()> done) {
    const uint64_t raw_bits = op.box.words() * static_cast<uint64_t>(word_bits(op));
    const uint64_t moved = moved_bits(op, load, raw_bits);
    const size_t type = static_cast<size_t>(dram_data_type(op.tensor));
    m_counts.dram_raw_bits[type] += raw_bits;
    m_counts.dram_moved_bits[type] += moved;
    const Cycle now = now_cycle();
    const Cycle start = std::max(now, m_channel_free);
    const Cycle end = channel_end(start, moved);
    m_busy_cycles += end - start;
    m_channel_free = end;
    const Cycle done_cycle = m_channel_free + static_cast<uint64_t>(m_params.latency_cycles);
    m_pending.push(Pending{done_cycle, m_seq++, op, load, std::move(done)});
    m_wake.notify(m_period * static_cast<double>(m_pending.top().done_cycle - now));
    return {start, m_channel_free};
}

void Dram::copy(const Transfer& op, bool load) {
    Tensor4* const stored = load ? nullptr : &m_image.stored(op.tensor);  // a store writes here
    const Tensor4& t = stored ? *stored : m_image.loaded(op.tensor);
    const Box& b = op.box;
    const DataType type = dram_data_type(op.tensor);
    for (int d = 0; d < 4; ++d)
        DFSIM_ASSERT(b.lo[d] >= 0 && b.lo[d] + b.count[d] <= t.dim[d], "DMA box outside the DRAM tensor");
    if (load) m_glb.shape(op.slot, b.count, /*zeroed=*/false);  // the copy below writes every word
    Tensor4& tile = m_glb.slot(op.slot);
    DFSIM_ASSERT(tile.dim == b.count, "store from a slot whose tile does not match the box");
    // The box's rows, as runs contiguous in both tensors (the tile is the box's shape): whole rows
    // of the tensor run on into the next row, whole planes into the next plane.
    size_t run = static_cast<size_t>(b.count[3]);
    int rows = 1, planes = 1;  // rows (of dim 2) and planes (of dim 1) a run covers
    if (b.count[3] == t.dim[3]) {
        rows = b.count[2], run *= static_cast<size_t>(rows);
        if (b.count[2] == t.dim[2]) planes = b.count[1], run *= static_cast<size_t>(planes);
    }
    for (int i0 = 0; i0 < b.count[0]; ++i0)
        for (int i1 = 0; i1 < b.count[1]; i1 += planes)
            for (int i2 = 0; i2 < b.count[2]; i2 += rows) {
                const size_t dram = t.index(b.lo[0] + i0, b.lo[1] + i1, b.lo[2] + i2, b.lo[3]);
                int32_t* glb = &tile.at(i0, i1, i2, 0);
                if (load)
                    std::copy_n(&t.data[dram], run, glb);
                else
                    std::copy_n(glb, run, &stored->data[dram]);
            }
    uint64_t w = b.words();
    if (load) {
        m_counts.acc.at(Level::Dram, type).reads += w;
        m_counts.acc.at(Level::Glb, type).writes += w;
    } else {
        m_counts.acc.at(Level::Glb, type).reads += w;
        m_counts.acc.at(Level::Dram, type).writes += w;
        if (op.tensor == DramTensor::Output) m_counts.glb_output_reads += w;
        if (op.tensor == DramTensor::Psum) m_counts.dram_spill_writes += w;
    }
}

void Dram::on_complete() {
    const Cycle now = now_cycle();
    while (!m_pending.empty() && m_pending.top().done_cycle <= now) {
        Pending p = m_pending.top();
        m_pending.pop();
        copy(p.op, p.load);
        p.done();
    }
    if (!m_pending.empty()) m_wake.notify(m_period * static_cast<double>(m_pending.top().done_cycle - now));
}

}  // namespace dfsim::hw
