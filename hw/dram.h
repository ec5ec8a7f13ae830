// Off-chip DRAM: holds the layer's tensors and serves DMA transfers to and from global-buffer
// slots through one channel of fixed bandwidth (bytes per core cycle) and first-word latency.
// Transfers are served in request order; the channel is busy ceil(bytes / bandwidth) cycles per
// transfer and the data lands `latency` cycles after the channel finishes it.
#pragma once
#include <systemc>

#include <functional>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "config/arch.h"
#include "base/tensor.h"
#include "base/types.h"
#include "hw/global_buffer.h"
#include "hw/program.h"
#include "hw/rlc.h"

namespace dfsim::hw {

struct DramImage {
    // The layer's inputs, read where the caller keeps them (alive for the simulation): the DRAM
    // only loads from them, so they are not copied (a copy of the default run's data is 12 MB).
    const Tensor4* ifmap = nullptr;
    const Tensor4* filter = nullptr;
    Tensor4 output;
    Tensor4 psum;  // spilled psums, the output's dims: allocated at the first spill (stored(Psum))
    int ifmap_bits = 8, filter_bits = 8, output_bits = 32;
    // The code of the ifmap loads and of the output stores on the link (hw/rlc.h rlc_params_for);
    // nullopt: moved raw (no dram.rlc, the network's input, or values that do not fit a level).
    std::optional<RlcParams> rlc_ifmap, rlc_output;
    const Tensor4& loaded(DramTensor t);  // the tensor a load reads
    Tensor4& stored(DramTensor t);  // the tensor a store writes: the output or the spilled psums
    int bits(DramTensor t) const;  // Psum: none of its own (a spill moves the psum slot's width)
};

class Dram : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(Dram);
    Dram(sc_core::sc_module_name name, const DramParams& params, sc_core::sc_time period, DramImage& image,
         GlobalBuffer& glb, ActionCounts& counts);
    // Starts a Load (DRAM -> slot) or Store (slot -> DRAM) now; `done` runs when the data landed.
    // Returns the cycles [first, second) in which the channel moves it.
    std::pair<Cycle, Cycle> request(const Load& op, std::function<void()> done) {
        return enqueue(op, true, std::move(done));
    }
    std::pair<Cycle, Cycle> request(const Store& op, std::function<void()> done) {
        return enqueue(op, false, std::move(done));
    }
    Cycle busy_cycles() const { return m_busy_cycles; }

private:
    struct Pending {
        Cycle done_cycle;
        uint64_t seq;
        Transfer op;
        bool load;  // DRAM -> slot (else slot -> DRAM)
        std::function<void()> done;
        bool operator>(const Pending& o) const {
            return done_cycle != o.done_cycle ? done_cycle > o.done_cycle : seq > o.seq;
        }
    };
    void on_complete();  // SC_METHOD: finishes every transfer due now
    std::pair<Cycle, Cycle> enqueue(const Transfer& op, bool load, std::function<void()> done);
    // Bits the link moves for a transfer of `raw_bits`: its run-length code if feature maps are coded.
    uint64_t moved_bits(const Transfer& op, bool load, uint64_t raw_bits) const;
    // The width of a transfer's words: its tensor's, or for a psum spill the psum slot's.
    int word_bits(const Transfer& op) const;
    void copy(const Transfer& op, bool load);
    Cycle now_cycle() const;
    // The core cycle a channel transfer of `bits` that may start at `start` is done.
    Cycle channel_end(Cycle start, uint64_t bits) const;

    DramParams m_params;
    sc_core::sc_time m_period;
    DramImage& m_image;
    GlobalBuffer& m_glb;
    ActionCounts& m_counts;
    std::priority_queue<Pending, std::vector<Pending>, std::greater<>> m_pending;
    sc_core::sc_event m_wake;
    Cycle m_channel_free = 0;  // cycle at which the channel can start the next transfer
    uint64_t m_seq = 0;
    Cycle m_busy_cycles = 0;
};

}  // namespace dfsim::hw
