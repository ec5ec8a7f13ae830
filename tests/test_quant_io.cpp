// Quantized data in and out: run-length coding on the DRAM link from the actual data, real
// tensors from .npy files, the --precision presets, chained runs through a pool into an FC
// layer, and compare --precisions on the command line.
#include <gtest/gtest.h>

#include <cmath>

#include "cli_fixture.h"
#include "workload/formats/npy.h"
#include "quant/quantize.h"
#include "hw/rlc.h"
#include "dataflows/dataflow.h"
#include "sim/reference.h"
#include "sim/simulator.h"
#include "workload/synthetic.h"
#include "test_util.h"

namespace dfsim {
namespace {

using test::conv;
using test::small_arch;
using test::table45;

// A max-pool host layer of this shape (window R x S, stride U).
Layer max_pool(const std::string& name, const LayerShape& shape) {
    Layer p;
    p.name = name;
    p.type = LayerType::Pool;
    p.pool_op = PoolOp::Max;
    p.shape = shape;
    return p;
}

// The values of `box` in tensor t (row-major over the box), as the DMA moves them.
std::vector<int32_t> box_values(const Tensor4& t, const hw::Box& b, bool from_origin) {
    std::vector<int32_t> v;
    for (int i0 = 0; i0 < b.count[0]; ++i0)
        for (int i1 = 0; i1 < b.count[1]; ++i1)
            for (int i2 = 0; i2 < b.count[2]; ++i2)
                for (int i3 = 0; i3 < b.count[3]; ++i3)
                    v.push_back(from_origin ? t.at(i0, i1, i2, i3)
                                            : t.at(b.lo[0] + i0, b.lo[1] + i1, b.lo[2] + i2, b.lo[3] + i3));
    return v;
}

TEST(QuantIoRlc, LinkMovesTheCodedSizeOfTheActualData) {
    // ifmap with 60% zeros, requantized ReLU outputs (many zeros): the ifmap loads and output
    // stores cross the link run-length coded; filters do not. With the default layout the levels
    // have the data's 8 bits: pairs of 5 + 8 bits, four to a 64-bit word beside the last-word bit.
    const RlcParams code8{5, 8, 4, 64, kSignedLevels};
    Layer l = conv("L", 8, 12, 12, 8, 3, 3, 1, 1);
    l.ifmap_data.zero_fraction = 0.6;
    l.requant = Requant::scalar(1, 8, true, Format{8, true});
    ArchParams a = small_arch(4, 5, 16);
    a.dram.rlc = true;
    const EnergyTable t = table45();
    for (const Dataflow* df : all_dataflows()) {
        SCOPED_TRACE(df->name());
        const LayerData data = make_layer_data(l);
        const auto m = df->choose_mapping(l, a, t, Objective::Energy);
        const LayerResult r = simulate_mapped(l, a, t, *df, *m, data, true);
        ASSERT_EQ(r.output_check, OutputCheck::BitExact);
        // expected from the program's transfers and the data, coded by the codec directly
        const hw::Program prog = df->build_program(l, a, *m);
        const Tensor4 ref = reference_conv(l, data.ifmap, data.filter);
        uint64_t if_raw = 0, if_moved = 0, out_raw = 0, out_moved = 0, f_raw = 0;
        for (const hw::Op& op : prog.ops) {
            const hw::Load* ld = op.as<hw::Load>();
            if (ld && ld->tensor == hw::DramTensor::Ifmap) {
                const auto v = box_values(data.ifmap, ld->box, false);
                if_raw += v.size() * 8;
                if_moved += rlc_encoded_words(v.data(), v.size(), code8) * 64;
            } else if (ld && ld->tensor == hw::DramTensor::Filter) {
                f_raw += ld->box.words() * 8;
            } else if (const hw::Store* st = op.as<hw::Store>()) {
                const auto v = box_values(ref, st->box, false);
                out_raw += v.size() * 8;
                out_moved += rlc_encoded_words(v.data(), v.size(), code8) * 64;
            }
        }
        EXPECT_EQ(r.counts.dram_raw_bits[0], if_raw);
        EXPECT_EQ(r.counts.dram_moved_bits[0], if_moved);
        EXPECT_EQ(r.counts.dram_raw_bits[1], f_raw);
        EXPECT_EQ(r.counts.dram_moved_bits[1], f_raw);  // weights are not coded
        EXPECT_EQ(r.counts.dram_raw_bits[2], out_raw);
        EXPECT_EQ(r.counts.dram_moved_bits[2], out_moved);
        // DRAM ifmap energy is the uncoded run's times moved / raw; other levels are unchanged
        ArchParams plain = a;
        plain.dram.rlc = false;
        const LayerResult u = simulate_mapped(l, plain, t, *df, *m, data, false);
        const double ratio = static_cast<double>(if_moved) / static_cast<double>(if_raw);
        EXPECT_NEAR(r.energy.by_level_type[0][0], u.energy.by_level_type[0][0] * ratio, 1e-9 * u.energy.total());
        EXPECT_DOUBLE_EQ(r.energy.level(Level::Glb), u.energy.level(Level::Glb));
    }
}

TEST(QuantIoRlc, NetworkInputRawUnlessTheArchSaysAndLayoutFromTheArch) {
    // the chip codes "all fmaps but the first layer's input" (JSSC 2017): so does the default
    Layer l = conv("L", 8, 12, 12, 8, 3, 3, 1, 1);
    l.ifmap_data.zero_fraction = 0.9;
    l.network_input = true;
    ArchParams a = small_arch(4, 5, 16);
    a.dram.rlc = true;
    const LayerResult raw = simulate_layer(l, a, table45(), RunOptions{});
    EXPECT_EQ(raw.counts.dram_moved_bits[0], raw.counts.dram_raw_bits[0]);
    a.dram.rlc_network_input = true;
    const LayerResult coded = simulate_layer(l, a, table45(), RunOptions{});
    EXPECT_LT(coded.counts.dram_moved_bits[0], coded.counts.dram_raw_bits[0]);
    // the chip's layout (16-bit levels, three pairs a word) moves more than 8-bit levels, four a
    // word, on the same values: hand count on a dense tensor, 64/3 against 64/4 bits a value
    Layer dense = conv("D", 8, 12, 12, 8, 3, 3, 1, 1);
    a.dram.rlc_network_input = false;
    a.dram.rlc_layout = RlcLayout{5, 16, 3, 64};
    const LayerResult wide = simulate_layer(dense, a, table45(), RunOptions{});
    a.dram.rlc_layout = RlcLayout{};
    const LayerResult own = simulate_layer(dense, a, table45(), RunOptions{});
    ASSERT_EQ(wide.counts.dram_raw_bits[0], own.counts.dram_raw_bits[0]);
    const double values = static_cast<double>(own.counts.dram_raw_bits[0]) / 8;
    EXPECT_NEAR(static_cast<double>(wide.counts.dram_moved_bits[0]) / values, 64.0 / 3, 0.5);
    EXPECT_NEAR(static_cast<double>(own.counts.dram_moved_bits[0]) / values, 64.0 / 4, 0.5);
}

TEST(QuantIoRlc, UnsignedDataGetsUnsignedLevelsOfItsWidth) {
    // post-ReLU 8-bit codes 0..255 fit an 8-bit unsigned level; a signed format gets a signed one
    const std::optional<RlcParams> u = rlc_params_for(RlcLayout{}, Format{8, false});
    ASSERT_TRUE(u);
    EXPECT_EQ(u->level_bits, 8);
    EXPECT_EQ(u->level_min, 0);
    EXPECT_EQ(u->pairs_per_word, 4);  // (64 - 1) / 13
    std::vector<int32_t> v = {0, 0, 255, 1, 0, 128, 0, 0, 0, 7};
    EXPECT_EQ(rlc_decode(rlc_encode(v.data(), v.size(), *u), v.size(), *u), v);
    const std::optional<RlcParams> s = rlc_params_for(RlcLayout{}, Format{8, true});
    ASSERT_TRUE(s);
    EXPECT_EQ(s->level_min, kSignedLevels);
    // wider than the layout's level, or 32-bit psums under `data`: moved raw
    EXPECT_FALSE(rlc_params_for(RlcLayout{5, 8, 0, 64}, Format{16, true}));
    EXPECT_FALSE(rlc_params_for(RlcLayout{}, Format{32, true}));
    // a fixed 16-bit layout holds unsigned 8-bit data in its signed levels
    EXPECT_TRUE(rlc_params_for(RlcLayout{5, 16, 3, 64}, Format{8, false}));
}

TEST(QuantIoRlc, DenseDataCostsMoreThanRawAndSparseLess) {
    // closed form: dense 8-bit data codes four values per 64-bit word (16 bits each, more than 8)
    Layer dense = conv("D", 8, 12, 12, 8, 3, 3, 1, 1);
    Layer sparse = dense;
    sparse.ifmap_data.zero_fraction = 0.9;
    ArchParams a = small_arch(4, 5, 16);
    a.dram.rlc = true;
    const LayerResult rd = simulate_layer(dense, a, table45(), RunOptions{});
    const LayerResult rs = simulate_layer(sparse, a, table45(), RunOptions{});
    EXPECT_GT(rd.counts.dram_moved_bits[0], rd.counts.dram_raw_bits[0]);
    EXPECT_LT(rs.counts.dram_moved_bits[0], rs.counts.dram_raw_bits[0]);
}

class QuantIoFiles : public test::TempDirTest {};

TEST_F(QuantIoFiles, NpyTensorsFeedTheLayer) {
    // integer ifmap codes with a zero point, float weights quantized per filter
    Tensor4 x(1, 2, 5, 5);
    for (size_t i = 0; i < x.size(); ++i) x.data[i] = static_cast<int32_t>((i * 37) % 256);  // uint8 codes
    write_npy((dir / "x.npy").string(), x, "u1");
    FloatTensor w(3, 2, 3, 3);
    for (size_t i = 0; i < w.size(); ++i)
        w.data[i] = std::sin(static_cast<float>(i)) * (1.0f + static_cast<float>(i / 18));
    write_npy((dir / "w.npy").string(), w);
    const std::string yaml = write("net.yaml",
                                   "name: npy\nlayers:\n"
                                   "  - {name: L, C: 2, H: 5, W: 5, M: 3, R: 3, S: 3, padding: 1,\n"
                                   "     bits: {ifmap: {bits: 8, signed: false, zero_point: 128}},\n"
                                   "     data: {ifmap: {file: x.npy}, filter: {file: w.npy}}}\n");
    const Network net = load_network(yaml);
    const Layer& l = net.layers.at(0);
    ASSERT_TRUE(l.ifmap_data.values && l.filter_data.values);
    // centred: code - 128 (hand: element 1 holds code 37 -> -91)
    EXPECT_EQ(l.ifmap_data.values->data[1], 37 - 128);
    // weights: the quantizer's per-filter symmetric int8 codes (scale = max|w| of the filter / 127)
    for (int m = 0; m < 3; ++m) {
        float mx = 0;
        for (int i = 0; i < 18; ++i) mx = std::max(mx, std::abs(w.data[static_cast<size_t>(m * 18 + i)]));
        EXPECT_NEAR(l.filter_scale.at(static_cast<size_t>(m)), mx / 127.0, 1e-6);
        for (int i = 0; i < 18; ++i) {
            const size_t k = static_cast<size_t>(m * 18 + i);
            EXPECT_NEAR(l.filter_data.values->data[k], w.data[k] / (mx / 127.0), 0.5 + 1e-4);
        }
    }
    const LayerResult r = simulate_layer(l, small_arch(), table45(), RunOptions{});
    EXPECT_EQ(r.output_check, OutputCheck::BitExact);
    EXPECT_EQ(r.ifmap_format, "uint8-zp128");
}

TEST_F(QuantIoFiles, NpyOfTheWrongShapeNamesTheField) {
    write_npy((dir / "x.npy").string(), Tensor4(1, 3, 5, 5), "i1");
    const std::string yaml = write("net.yaml",
                                   "name: npy\nlayers:\n"
                                   "  - {name: L, C: 2, H: 5, W: 5, M: 3, R: 3, S: 3,\n"
                                   "     data: {ifmap: {file: x.npy}}}\n");
    try {
        load_network(yaml);
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("data.ifmap.file"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("1x2x5x5"), std::string::npos) << e.what();
    }
}

TEST(QuantIoPrecision, PresetsSetFormatsAndDatapaths) {
    Network net;
    net.layers.push_back(conv("A", 4, 8, 8, 4, 3, 3));
    net.layers.push_back(max_pool("P", LayerShape{1, 4, 6, 6, 4, 2, 2, 2, 0, 4}));
    struct Case {
        std::string preset;
        Multiplier k;
        int wbits, abits;
        bool wbin, abin;
    };
    for (const Case& c :
         {Case{"int8", Multiplier::Mac, 8, 8, false, false}, Case{"w4a6", Multiplier::Mac, 4, 6, false, false},
          Case{"lut3", Multiplier::Lut, 3, 3, false, false}, Case{"lutw2a4", Multiplier::Lut, 2, 4, false, false},
          Case{"ternary", Multiplier::Ternary, 2, 8, false, false},
          Case{"binarya4", Multiplier::Binary, 1, 4, true, false}, Case{"xnor", Multiplier::Xnor, 1, 1, true, true}}) {
        SCOPED_TRACE(c.preset);
        const Network p = with_precision(net, c.preset);
        const Layer& l = p.layers[0];
        EXPECT_EQ(l.multiplier, c.k);
        EXPECT_EQ(l.filter.bits, c.wbits);
        EXPECT_EQ(l.ifmap.bits, c.abits);
        EXPECT_EQ(l.filter.binary, c.wbin);
        EXPECT_EQ(l.ifmap.binary, c.abin);
        EXPECT_EQ(p.layers[1], net.layers[1]);  // host layers untouched
    }
    for (const char* bad : {"int4", "w4", "w17a8", "lut", "ternarya", "xnor8", "fp16"})
        EXPECT_THROW(with_precision(net, bad), ConfigError) << bad;
}

TEST(QuantIoChained, ConvPoolFcChainIsBitExact) {
    // conv 4x10x10 -> 6x8x8, max pool 2x2/2 -> 6x4x4, fc over the flattened 96 values
    Network net;
    net.layers.push_back(conv("C1", 4, 10, 10, 6, 3, 3));
    net.layers.push_back(max_pool("P1", LayerShape{1, 6, 8, 8, 6, 2, 2, 2, 0, 6}));
    Layer fc = conv("F1", 6, 4, 4, 5, 4, 4);
    fc.type = LayerType::Fc;
    net.layers.push_back(fc);
    RunOptions opt;
    opt.chained = true;
    const ArchParams a = small_arch();
    const NetworkResult r = simulate_network(net, a, table45(), opt);
    ASSERT_EQ(r.layers.size(), 3u);
    EXPECT_EQ(r.layers[0].output_check, OutputCheck::BitExact);
    EXPECT_EQ(r.layers[2].output_check, OutputCheck::BitExact);
    // independently: C1's calibrated output, max-pooled by hand, is F1's ifmap; its zeros are
    // what F1 measured (the chain makes C1 requantize with ReLU to F1's unsigned 8-bit format)
    const Network chain = chain_network(net);
    const LayerData d1 = make_layer_data(chain.layers[0]);
    Tensor4 ref1;
    prepare_layer(chain.layers[0], d1, &ref1);
    size_t zeros = 0;
    for (int c = 0; c < 6; ++c)
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 4; ++x) {
                int32_t best = INT32_MIN;
                for (int r2 = 0; r2 < 2; ++r2)
                    for (int s2 = 0; s2 < 2; ++s2) best = std::max(best, ref1.at(0, c, 2 * y + r2, 2 * x + s2));
                zeros += best == 0;
            }
    EXPECT_DOUBLE_EQ(r.layers[2].ifmap_zero_fraction, static_cast<double>(zeros) / 96.0);
    EXPECT_EQ(r.layers[2].ifmap_format, "uint8");
}

class QuantIoCli : public test::TempDirTest {};

TEST_F(QuantIoCli, ComparePrecisionsSideBySide) {
    const std::string yaml =
        write("net.yaml", "name: tiny\nlayers:\n  - {name: L, C: 4, H: 8, W: 8, M: 4, R: 3, S: 3, padding: 1}\n");
    const test::CmdResult r =
        dfsim("compare --workload " + yaml + " --layers all --dataflows rs,ws --precisions int8,lut4,binary");
    ASSERT_EQ(r.code, 0) << r.err;
    for (const char* label : {"rs@int8", "ws@int8", "rs@lut4", "ws@lut4", "rs@binary", "ws@binary"})
        EXPECT_NE(r.out.find(label), std::string::npos) << label << "\n" << r.out;
    EXPECT_EQ(r.out.find("mismatch"), std::string::npos) << r.out;
    const test::CmdResult bad =
        dfsim("run --workload " + yaml + " --layers all --precision w4a20 --json " + (dir / "r.json").string());
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("--precision"), std::string::npos) << bad.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "r.json"));
}

}  // namespace
}  // namespace dfsim
