// GEMM and attention layers (issue 16): the gemm and matmul layer types as the workload files
// give them, their lowering to a 1x1 conv, their outputs on every dataflow against a plain integer
// matrix product computed here (not through the reference conv), the DRAM traffic of a matmul's
// operand B (per image, never shared by a batch), the transformer host layers, and BERT-base.
#include <gtest/gtest.h>

#include <fstream>

#include "base/rng.h"
#include "dataflows/dataflow.h"
#include "sim/simulator.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

// Each test has a directory of its own (tests run in parallel processes).
class Gemm : public TempDirTest {
protected:
    Network load_text(const std::string& yaml) { return load_network(write("gemm_test.yaml", yaml)); }
};

// Matrices row-major: a[p][m][k] (p over images and heads), b[p][k][n] (b[0] only for a gemm).
struct Matrices {
    MatrixShape x;
    bool per_image_b = false;  // matmul: one B per (image, head)
    std::vector<int32_t> a, b;
    int32_t& A(int p, int m, int k) { return a[(static_cast<size_t>(p) * x.M + m) * x.K + k]; }
    int32_t& B(int p, int k, int n) { return b[(static_cast<size_t>(per_image_b ? p : 0) * x.K + k) * x.N + n]; }
    int products() const { return x.batch * x.heads; }
};

Matrices random_matrices(const MatrixShape& x, bool per_image_b, uint64_t seed) {
    Matrices m;
    m.x = x;
    m.per_image_b = per_image_b;
    Rng rng(seed);
    m.a.resize(static_cast<size_t>(m.products()) * x.M * x.K);
    m.b.resize(static_cast<size_t>(per_image_b ? m.products() : 1) * x.K * x.N);
    for (int32_t& v : m.a) v = static_cast<int32_t>(rng.uniform_int(-128, 127));
    for (int32_t& v : m.b) v = static_cast<int32_t>(rng.uniform_int(-128, 127));
    return m;
}

// The layer of the matrices, its data placed as docs/dataflows.md writes the lowering: A's rows
// are the pixels (H), its columns the channels; B's columns are the filters. A gemm's images are
// the conv's images; a matmul's (image, head) pairs are its groups, image-major.
Layer matrix_layer(LayerType type, Matrices& mx) {
    Layer l;
    l.name = std::string(to_string(type));
    l.type = type;
    l.matrix = mx.x;
    l.shape = lower_matrix(type, mx.x);
    const LayerShape& s = l.shape;
    auto ifmap = std::make_shared<Tensor4>(s.N, s.C, s.H, s.W);
    auto filter = std::make_shared<Tensor4>(s.M, s.Cg(), s.R, s.S);
    const MatrixShape& x = mx.x;
    for (int p = 0; p < mx.products(); ++p) {
        const int n = type == LayerType::Gemm ? p : 0, g = type == LayerType::Gemm ? 0 : p;
        for (int m = 0; m < x.M; ++m)
            for (int k = 0; k < x.K; ++k) ifmap->at(n, g * x.K + k, m, 0) = mx.A(p, m, k);
        if (type == LayerType::Gemm && p > 0) continue;  // one B, shared
        for (int k = 0; k < x.K; ++k)
            for (int j = 0; j < x.N; ++j) filter->at(g * x.N + j, k, 0, 0) = mx.B(p, k, j);
    }
    l.ifmap_data.values = ifmap;
    l.filter_data.values = filter;
    return l;
}

// out[p] = A[p] x B[p], summed in int64, the definition of a matrix product.
std::vector<int64_t> plain_matmul(Matrices& mx) {
    const MatrixShape& x = mx.x;
    std::vector<int64_t> out(static_cast<size_t>(mx.products()) * x.M * x.N);
    for (int p = 0; p < mx.products(); ++p)
        for (int i = 0; i < x.M; ++i)
            for (int j = 0; j < x.N; ++j) {
                int64_t acc = 0;
                for (int k = 0; k < x.K; ++k) acc += int64_t{mx.A(p, i, k)} * mx.B(p, k, j);
                out[(static_cast<size_t>(p) * x.M + i) * x.N + j] = acc;
            }
    return out;
}

// The simulator's output read back as matrices (the inverse of the placement above).
std::vector<int64_t> output_matrices(LayerType type, const MatrixShape& x, const Tensor4& out) {
    std::vector<int64_t> v(static_cast<size_t>(x.batch) * x.heads * x.M * x.N);
    for (int p = 0; p < x.batch * x.heads; ++p) {
        const int n = type == LayerType::Gemm ? p : 0, g = type == LayerType::Gemm ? 0 : p;
        for (int i = 0; i < x.M; ++i)
            for (int j = 0; j < x.N; ++j)
                v[(static_cast<size_t>(p) * x.M + i) * x.N + j] = out.at(n, g * x.N + j, i, 0);
    }
    return v;
}

TEST(GemmLayer, LoweringIsOneDocumentedConv) {
    const LayerShape g = lower_matrix(LayerType::Gemm, MatrixShape{128, 768, 3072, 4, 1});
    EXPECT_EQ(g, (LayerShape{4, 3072, 128, 1, 768, 1, 1, 1, 0, 1}));
    const LayerShape m = lower_matrix(LayerType::Matmul, MatrixShape{128, 64, 128, 2, 12});
    EXPECT_EQ(m, (LayerShape{1, 24 * 128, 128, 1, 24 * 64, 1, 1, 1, 0, 24}));
    EXPECT_EQ(m.macs(), 2u * 12 * 128 * 64 * 128);  // batch * heads * M * N * K
    EXPECT_EQ(m.filter_words(), 2u * 12 * 128 * 64);  // every (image, head) has its own B
}

TEST_F(Gemm, YamlTypesLoadAndLower) {
    const Network net = load_text(
        "name: t\ndefaults: {batch: 3}\nlayers:\n"
        "  - {name: P, type: gemm, M: 10, K: 20, N: 30}\n"
        "  - {name: S, type: matmul, heads: 4, M: 10, K: 5, N: 10, batch: 2}\n"
        "  - {name: SM, type: softmax, C: 40, H: 10, W: 1}\n"
        "  - {name: LN, type: layernorm, C: 30, H: 10, W: 1}\n"
        "  - {name: G, type: gelu, C: 30, H: 10, W: 1}\n");
    ASSERT_EQ(net.layers.size(), 5u);
    const Layer& p = net.layers[0];
    EXPECT_EQ(p.type, LayerType::Gemm);
    EXPECT_EQ(p.matrix, (MatrixShape{10, 30, 20, 3, 1}));
    EXPECT_EQ(p.shape, lower_matrix(LayerType::Gemm, p.matrix));
    EXPECT_EQ(p.shape.macs(), 3u * 10 * 20 * 30);
    const Layer& s = net.layers[1];
    EXPECT_EQ(s.shape.G, 8);
    EXPECT_EQ(s.shape.macs(), 2u * 4 * 10 * 5 * 10);
    EXPECT_EQ(s.filter, s.ifmap);  // operand B has the activations' format
    EXPECT_NE(s.filter_data.seed, s.ifmap_data.seed);
    EXPECT_EQ(s.filter_data.distribution, s.ifmap_data.distribution);
    // host ops (workload/layer.h): softmax 5n, layernorm 7n + 3 per position, gelu 9n
    EXPECT_EQ(net.layers[2].host_ops(), 5u * 3 * 40 * 10);
    EXPECT_EQ(net.layers[3].host_ops(), 7u * 3 * 30 * 10 + 3u * 3 * 10);
    EXPECT_EQ(net.layers[4].host_ops(), 9u * 3 * 30 * 10);
    EXPECT_TRUE(net.layers[2].on_host() && net.layers[3].on_host() && net.layers[4].on_host());
    EXPECT_FALSE(p.on_host() || s.on_host());
    // selection by type
    EXPECT_EQ(select_layers(net, "matmul").layers.size(), 1u);
    EXPECT_EQ(select_layers(net, "GEMM,softmax").layers.size(), 2u);
}

TEST_F(Gemm, YamlErrorsNameTheField) {
    auto err = [&](const std::string& layer) {
        return error_of([&] { load_text("name: t\nlayers:\n  - " + layer + "\n"); });
    };
    EXPECT_NE(err("{name: P, type: gemm, M: 10, N: 30}").find("field 'layers[0].K'"), std::string::npos);
    EXPECT_NE(err("{name: P, type: gemm, M: 10, K: 3, N: 30, heads: 2}").find("heads"), std::string::npos);
    EXPECT_NE(err("{name: P, type: gemm, M: 10, K: 3, N: 30, R: 3}").find("unknown field"), std::string::npos);
    EXPECT_NE(err("{name: P, type: gemm, M: 0, K: 3, N: 30}").find("field 'layers[0].M'"), std::string::npos);
    const std::string wide = err("{name: S, type: matmul, heads: 100000, M: 4, K: 64, N: 4}");
    EXPECT_NE(wide.find("field 'layers[0].heads'"), std::string::npos) << wide;
    const std::string bin =
        err("{name: S, type: matmul, M: 4, K: 4, N: 4, multiplier: binary, bits: {filter: {binary: true}}}");
    EXPECT_NE(bin.find("operand B is an activation"), std::string::npos) << bin;
    EXPECT_NE(err("{name: X, type: softmax, C: 4, H: 2}").find("field 'layers[0].W'"), std::string::npos);
}

TEST_F(Gemm, BatchAndPrecisionFollowTheMatrices) {
    const Network net = load_text(
        "name: t\nlayers:\n"
        "  - {name: P, type: gemm, M: 10, K: 20, N: 30}\n"
        "  - {name: S, type: matmul, heads: 4, M: 10, K: 5, N: 10}\n");
    const Network b = with_batch(net, 3);
    EXPECT_EQ(b.layers[0].shape.N, 3);
    EXPECT_EQ(b.layers[1].shape.N, 1);  // a matmul's images are groups
    EXPECT_EQ(b.layers[1].shape.G, 12);
    EXPECT_EQ(b.layers[1].matrix.batch, 3);
    // per-channel figures of a matmul (an ONNX import gives its filter scale per channel) follow
    // the channels, 4 heads x 10 columns an image: the first image's repeated (the sanitizer
    // found calibration reading past them once --batch had re-lowered an imported matmul)
    Network scaled = net;
    scaled.layers[1].filter_scale.assign(40, 0.5);
    scaled.layers[1].filter_scale[39] = 0.25;
    const Network sb = with_batch(scaled, 3);
    ASSERT_EQ(sb.layers[1].filter_scale.size(), 120u);
    EXPECT_EQ(sb.layers[1].shape.M, 120);
    EXPECT_EQ(sb.layers[1].filter_scale[79], 0.25);
    EXPECT_EQ(sb.layers[1].filter_scale[119], 0.25);
    EXPECT_EQ(sb.layers[1].filter_scale[80], 0.5);
    const Network w = with_precision(net, "w4a6");
    EXPECT_EQ(w.layers[0].filter.bits, 4);
    EXPECT_EQ(w.layers[1].filter.bits, 6);  // operand B is an activation
    EXPECT_NE(error_of([&] { with_precision(net, "ternary"); }).find("matmul layer S"), std::string::npos);
}

// Every dataflow runs gemm and matmul layers, and the output is the matrix product.
TEST(GemmLayer, EveryDataflowComputesTheMatrixProduct) {
    struct Shape {
        LayerType type;
        MatrixShape x;
    };
    const Shape shapes[] = {{LayerType::Gemm, {6, 7, 9, 2, 1}},
                            {LayerType::Gemm, {13, 5, 11, 1, 1}},
                            {LayerType::Matmul, {5, 6, 4, 2, 3}},
                            {LayerType::Matmul, {7, 3, 9, 1, 2}}};
    uint64_t seed = 5;
    for (const Shape& sh : shapes) {
        Matrices mx = random_matrices(sh.x, sh.type == LayerType::Matmul, ++seed);
        const Layer l = matrix_layer(sh.type, mx);
        const std::vector<int64_t> want = plain_matmul(mx);
        for (const std::string& df : dataflow_names()) {
            RunOptions opt;
            opt.dataflow = df;
            const LayerResult r = simulate_layer(l, small_arch(), table45(), opt, /*keep_output=*/true);
            const std::string what = std::string(to_string(sh.type)) + " " + std::to_string(sh.x.M) + "x" +
                                     std::to_string(sh.x.K) + "x" + std::to_string(sh.x.N) + " on " + df;
            EXPECT_EQ(r.output_check, OutputCheck::BitExact) << what;
            EXPECT_EQ(output_matrices(sh.type, sh.x, r.output), want) << what;
            EXPECT_EQ(r.counts.macs, static_cast<uint64_t>(sh.x.batch) * sh.x.heads * sh.x.M * sh.x.N * sh.x.K);
        }
    }
}

// A matmul's B is per image: a batch of b images moves b times the words of B from DRAM, where
// a gemm's weights serve the whole batch. Hand count with everything resident in the buffer
// (one tile per group): B's words are read from DRAM exactly once each.
TEST(GemmLayer, OperandBOfAMatmulIsFetchedPerImage) {
    const MatrixShape x{8, 6, 10, 3, 2};  // M, N, K, batch, heads
    Matrices mm = random_matrices(x, true, 41);
    Matrices gm = random_matrices(MatrixShape{8, 6, 10, 3, 1}, false, 43);
    const ArchParams a = small_arch(4, 5, 64);
    for (const std::string& df : {std::string("rs"), std::string("ws"), std::string("os-b")}) {
        RunOptions opt;
        opt.dataflow = df;
        const LayerResult rm = simulate_layer(matrix_layer(LayerType::Matmul, mm), a, table45(), opt);
        const LayerResult rg = simulate_layer(matrix_layer(LayerType::Gemm, gm), a, table45(), opt);
        EXPECT_EQ(rm.counts.acc.at(Level::Dram, DataType::Filter).reads, 3u * 2 * 10 * 6) << df;  // b*h*K*N
        EXPECT_EQ(rm.counts.acc.at(Level::Dram, DataType::Ifmap).reads, 3u * 2 * 8 * 10) << df;  // b*h*M*K
        EXPECT_EQ(rg.counts.acc.at(Level::Dram, DataType::Filter).reads, 10u * 6) << df;  // K*N, shared
        EXPECT_EQ(rm.output_check, OutputCheck::BitExact) << df;
    }
}

// BERT-base, one encoder layer (workloads/bert_base.yaml), against the hand formulas.
TEST(GemmLayer, BertBaseCountsMatchTheHandFormula) {
    const Network net = load_network(src("workloads/bert_base.yaml"));
    const uint64_t L = 128, h = 768, ffn = 3072, heads = 12;
    uint64_t macs = 0, weights = 0, host = 0, matmul_macs = 0;
    for (const Layer& l : net.layers) {
        if (l.on_host()) {
            host += l.host_ops();
            continue;
        }
        macs += l.shape.macs();
        if (l.type == LayerType::Gemm) weights += l.shape.filter_words();
        if (l.type == LayerType::Matmul) matmul_macs += l.shape.macs();
    }
    EXPECT_EQ(macs, 4 * L * h * h + 2 * L * L * h + 2 * L * h * ffn);
    EXPECT_EQ(macs, 931135488u);
    EXPECT_EQ(matmul_macs, 2 * L * L * h);
    EXPECT_EQ(weights, 4 * h * h + 2 * h * ffn);
    const uint64_t n = L * h;  // a [L x h] activation
    EXPECT_EQ(host, 5 * heads * L * L + 2 * n + 2 * (7 * n + 3 * L) + 9 * L * ffn);
    EXPECT_EQ(host, 6095616u);
}

// A small encoder layer (L = 16, h = 32, 4 heads, FFN 64) through the command line: every layer
// runs bit-exact on the default dataflow, the host layers are counted.
TEST_F(Gemm, SmallEncoderLayerRunsBitExact) {
    const std::string yaml = write("tiny_bert.yaml",
                                   "name: tiny_bert\nlayers:\n"
                                   "  - {name: Q, type: gemm, M: 16, K: 32, N: 32, requant: {auto: true}}\n"
                                   "  - {name: K, type: gemm, M: 16, K: 32, N: 32, requant: {auto: true}}\n"
                                   "  - {name: V, type: gemm, M: 16, K: 32, N: 32, requant: {auto: true}}\n"
                                   "  - {name: QK, type: matmul, heads: 4, M: 16, K: 8, N: 16, requant: {auto: true}}\n"
                                   "  - {name: SOFTMAX, type: softmax, C: 64, H: 16, W: 1}\n"
                                   "  - {name: PV, type: matmul, heads: 4, M: 16, K: 16, N: 8, requant: {auto: true}}\n"
                                   "  - {name: OUT, type: gemm, M: 16, K: 32, N: 32, requant: {auto: true}}\n"
                                   "  - {name: ADD1, type: add, C: 32, H: 16, W: 1}\n"
                                   "  - {name: LN1, type: layernorm, C: 32, H: 16, W: 1}\n"
                                   "  - {name: FFN1, type: gemm, M: 16, K: 32, N: 64, requant: {auto: true}}\n"
                                   "  - {name: GELU, type: gelu, C: 64, H: 16, W: 1}\n"
                                   "  - {name: FFN2, type: gemm, M: 16, K: 64, N: 32, requant: {auto: true}}\n");
    const std::string json = (dir / "tiny_bert.json").string();
    const CmdResult r = dfsim("run --workload " + yaml + " --layers all --json " + json);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.find("MISMATCH"), std::string::npos) << r.out;
    const std::string j = slurp(json);
    size_t exact = 0;
    for (size_t at = 0; (at = j.find("\"output_check\": \"bit-exact\"", at)) != std::string::npos; ++at) ++exact;
    EXPECT_EQ(exact, 8u + 1) << j;  // the 8 accelerator layers and the total
    EXPECT_NE(j.find("host: softmax of a 64x16x1 tensor"), std::string::npos) << j;
    EXPECT_NE(r.out.find("host: 4 add/layernorm/softmax/gelu layers are host work"), std::string::npos) << r.out;
    // --show-mapping names the matrices of a matmul and what they became
    const CmdResult m = dfsim("run --workload " + yaml + " --layers qk --show-mapping --no-check");
    ASSERT_EQ(m.code, 0) << m.err;
    EXPECT_NE(m.out.find("# matmul out[16 x 16] = A[16 x 8] x B[8 x 16] per image and head (batch 1 x 4 heads)"),
              std::string::npos)
        << m.out;
}

}  // namespace
