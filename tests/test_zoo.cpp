// The network zoo (workloads/*.yaml): every layer's shape and the MAC and weight totals against
// the papers' layer tables, written out here (not read from the YAML); the pool and add layers
// that run on the host; and every dataflow bit-exact on the first layers of every network.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "sim/reference.h"
#include "sim/simulator.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

// One row of a paper's table: square maps and windows.
struct Row {
    std::string type;  // conv | fc | pool | add
    int C, H, M, R, U, P, G;
};
Row cv(int C, int H, int M, int R, int U = 1, int P = 0, int G = 1) { return {"conv", C, H, M, R, U, P, G}; }
Row dw(int C, int H, int U) { return cv(C, H, C, 3, U, 1, C); }  // depthwise 3x3, padding 1
Row pw(int C, int H, int M) { return cv(C, H, M, 1); }  // pointwise 1x1
Row fc(int C, int M, int H = 1) { return {"fc", C, H, M, H, 1, 0, 1}; }
Row pool(int C, int H, int R, int U, int P = 0) { return {"pool", C, H, C, R, U, P, C}; }
Row add(int C, int H) { return {"add", C, H, C, 1, 1, 0, C}; }

int out_size(const Row& r) { return (r.H + 2 * r.P - r.R) / r.U + 1; }
bool on_host(const Row& r) { return r.type == "pool" || r.type == "add"; }
uint64_t macs(const Row& r) {
    const uint64_t e = static_cast<uint64_t>(out_size(r));
    return on_host(r) ? 0 : static_cast<uint64_t>(r.M) * e * e * static_cast<uint64_t>(r.C / r.G * r.R * r.R);
}
uint64_t weights(const Row& r) { return on_host(r) ? 0 : static_cast<uint64_t>(r.M) * (r.C / r.G) * r.R * r.R; }
uint64_t ops(const Row& r) {
    const uint64_t e = static_cast<uint64_t>(out_size(r));
    if (r.type == "pool") return static_cast<uint64_t>(r.C) * e * e * static_cast<uint64_t>(r.R * r.R);
    if (r.type == "add") return static_cast<uint64_t>(r.C) * r.H * r.H;
    return 0;
}

// AlexNet as Eyeriss runs it (227 x 227, CONV2/4/5 in two groups), with its overlapping max pools.
std::vector<Row> alexnet() {
    return {cv(3, 227, 96, 11, 4),
            pool(96, 55, 3, 2),
            cv(96, 27, 256, 5, 1, 2, 2),
            pool(256, 27, 3, 2),
            cv(256, 13, 384, 3, 1, 1),
            cv(384, 13, 384, 3, 1, 1, 2),
            cv(384, 13, 256, 3, 1, 1, 2),
            pool(256, 13, 3, 2),
            fc(256, 4096, 6),
            fc(4096, 4096),
            fc(4096, 1000)};
}

// VGG-16, Simonyan & Zisserman Table 1 column D: five stages of 3x3 CONVs, each closed by a 2x2/2
// max pool, then FC-4096, FC-4096, FC-1000.
std::vector<Row> vgg16() {
    std::vector<Row> v;
    int C = 3, H = 224;
    const std::pair<int, int> stages[] = {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};  // filters, CONVs
    for (auto [M, n] : stages) {
        for (int i = 0; i < n; ++i, C = M) v.push_back(cv(C, H, M, 3, 1, 1));
        v.push_back(pool(C, H, 2, 2));
        H /= 2;
    }
    for (Row r : {fc(512, 4096, 7), fc(4096, 4096), fc(4096, 1000)}) v.push_back(r);
    return v;
}

// ResNet-18, He et al. Table 1: 7x7/2 CONV, 3x3/2 max pool, four stages of two basic blocks
// (3x3, 3x3, add); stages 2-4 start with a stride-2 CONV and a 1x1/2 shortcut CONV; average
// pool, FC-1000.
std::vector<Row> resnet18() {
    std::vector<Row> v = {cv(3, 224, 64, 7, 2, 3), pool(64, 112, 3, 2, 1)};
    int C = 64, H = 56;
    for (int M : {64, 128, 256, 512})
        for (int b = 0; b < 2; ++b) {
            const int U = (b == 0 && M != 64) ? 2 : 1, E = H / U;
            v.push_back(cv(C, H, M, 3, U, 1));
            v.push_back(cv(M, E, M, 3, 1, 1));
            if (U == 2) v.push_back(cv(C, H, M, 1, 2, 0));
            v.push_back(add(M, E));
            C = M;
            H = E;
        }
    v.push_back(pool(512, 7, 7, 1));
    v.push_back(fc(512, 1000));
    return v;
}

// MobileNet-v1 1.0-224, Howard et al. Table 1, row by row (the last depthwise at stride 1).
std::vector<Row> mobilenet_v1() {
    std::vector<Row> v = {cv(3, 224, 32, 3, 2, 1), dw(32, 112, 1),   pw(32, 112, 64), dw(64, 112, 2),   pw(64, 56, 128),
                          dw(128, 56, 1),          pw(128, 56, 128), dw(128, 56, 2),  pw(128, 28, 256), dw(256, 28, 1),
                          pw(256, 28, 256),        dw(256, 28, 2),   pw(256, 14, 512)};
    for (int i = 0; i < 5; ++i) {
        v.push_back(dw(512, 14, 1));
        v.push_back(pw(512, 14, 512));
    }
    for (Row r :
         {dw(512, 14, 2), pw(512, 7, 1024), dw(1024, 7, 1), pw(1024, 7, 1024), pool(1024, 7, 7, 1), fc(1024, 1000)})
        v.push_back(r);
    return v;
}

// LeNet-5, LeCun et al. 1998 Fig. 2, with C3 fully connected: C1, S2, C3, S4, C5 (= FC over
// 16 x 5 x 5), F6, output.
std::vector<Row> lenet5() {
    return {cv(1, 32, 6, 5), pool(6, 28, 2, 2), cv(6, 14, 16, 5), pool(16, 10, 2, 2),
            fc(16, 120, 5),  fc(120, 84),       fc(84, 10)};
}

struct Totals {
    uint64_t conv_macs = 0, fc_macs = 0, conv_weights = 0, fc_weights = 0, host_ops = 0;
};

Totals totals(const std::vector<Row>& rows) {
    Totals t;
    for (const Row& r : rows) {
        (r.type == "fc" ? t.fc_macs : t.conv_macs) += macs(r);
        (r.type == "fc" ? t.fc_weights : t.conv_weights) += weights(r);
        t.host_ops += ops(r);
    }
    return t;
}

// The file's layers equal the table's, in order, shape for shape; each layer reads what the one
// before it wrote (a 1x1 shortcut reads the input of its block, two layers back).
void expect_file_matches_table(const std::string& file, const std::vector<Row>& rows) {
    const Network net = load_network(src(file));
    ASSERT_EQ(net.layers.size(), rows.size()) << file;
    for (size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        const Layer& l = net.layers[i];
        EXPECT_EQ(to_string(l.type), r.type) << file << " " << l.name;
        EXPECT_EQ(l.shape, (LayerShape{1, r.C, r.H, r.H, r.M, r.R, r.R, r.U, r.P, r.G})) << file << " " << l.name;
        EXPECT_EQ(l.host_ops(), ops(r)) << file << " " << l.name;
        if (i == 0) continue;
        const LayerShape& in = l.shape;
        const LayerShape& prev = net.layers[i - (l.name.rfind("DOWN", 0) == 0 ? 2 : 1)].shape;
        const bool shortcut = l.name.rfind("DOWN", 0) == 0;
        const int pc = shortcut ? prev.C : prev.M, ph = shortcut ? prev.H : prev.E(), pw = shortcut ? prev.W : prev.F();
        EXPECT_EQ(static_cast<int64_t>(in.C) * in.H * in.W, static_cast<int64_t>(pc) * ph * pw)
            << file << " " << l.name << " does not read its predecessor's output";
        if (l.type != LayerType::Fc) {
            EXPECT_EQ(in.C, pc) << file << " " << l.name;
        }
    }
}

// The file's totals: MACs and weights of the conv and fc layers, host ops of the others.
Totals file_totals(const std::string& file) {
    Totals t;
    for (const Layer& l : load_network(src(file)).layers) {
        if (l.type == LayerType::Conv) t.conv_macs += l.shape.macs(), t.conv_weights += l.shape.filter_words();
        if (l.type == LayerType::Fc) t.fc_macs += l.shape.macs(), t.fc_weights += l.shape.filter_words();
        t.host_ops += l.host_ops();
    }
    return t;
}

void expect_totals(const std::string& file, const std::vector<Row>& rows, const Totals& want) {
    for (const Totals& t : {totals(rows), file_totals(file)}) {
        EXPECT_EQ(t.conv_macs, want.conv_macs) << file;
        EXPECT_EQ(t.fc_macs, want.fc_macs) << file;
        EXPECT_EQ(t.conv_weights, want.conv_weights) << file;
        EXPECT_EQ(t.fc_weights, want.fc_weights) << file;
        EXPECT_EQ(t.host_ops, want.host_ops) << file;
    }
}

}  // namespace

TEST(Zoo, AlexNetShapesAndTotals) {
    expect_file_matches_table("workloads/alexnet.yaml", alexnet());
    // CONV1-5 665,784,864 MACs (Eyeriss); pools 96*27*27*9 + 256*13*13*9 + 256*6*6*9
    expect_totals("workloads/alexnet.yaml", alexnet(),
                  {665784864ull, 58621952ull, 2332704ull, 58621952ull, 629856ull + 389376ull + 82944ull});
}

TEST(Zoo, Vgg16ShapesAndTotals) {
    expect_file_matches_table("workloads/vgg16.yaml", vgg16());
    // 15.35 G CONV MACs, 15.5 G in all; 138 M weights (138,357,544 with the 13,416 biases)
    expect_totals("workloads/vgg16.yaml", vgg16(),
                  {15346630656ull, 123633664ull, 14710464ull, 123633664ull, 6121472ull});
    EXPECT_EQ(15346630656ull + 123633664ull, 15470264320ull);
}

TEST(Zoo, ResNet18ShapesAndTotals) {
    expect_file_matches_table("workloads/resnet18.yaml", resnet18());
    // 1.814 G MACs in all (the paper's 1.8 G FLOPs); the three shortcuts are 3 x 6,422,528 of them
    expect_totals("workloads/resnet18.yaml", resnet18(),
                  {1813561344ull, 512000ull, 11166912ull, 512000ull,
                   64ull * 56 * 56 * 9 + 2 * (200704ull + 100352 + 50176 + 25088) + 512ull * 49});
    EXPECT_EQ(1813561344ull + 512000ull, 1814073344ull);
    uint64_t shortcuts = 0;
    for (const Layer& l : load_network(src("workloads/resnet18.yaml")).layers)
        if (l.name.rfind("DOWN", 0) == 0) shortcuts += l.shape.macs();
    EXPECT_EQ(shortcuts, 3 * 6422528ull);
}

TEST(Zoo, MobileNetV1ShapesAndTotals) {
    expect_file_matches_table("workloads/mobilenet_v1.yaml", mobilenet_v1());
    // 568,740,352 MACs with the FC: the paper's "569 million" mult-adds; 4,209,088 weights: its 4.2 M
    expect_totals("workloads/mobilenet_v1.yaml", mobilenet_v1(),
                  {567716352ull, 1024000ull, 3185088ull, 1024000ull, 1024ull * 49});
    EXPECT_EQ(567716352ull + 1024000ull, 568740352ull);
}

TEST(Zoo, LeNet5ShapesAndTotals) {
    expect_file_matches_table("workloads/lenet5.yaml", lenet5());
    // C1 6*28*28*25 + C3 16*10*10*150; C5 400*120, F6 120*84, output 84*10
    expect_totals("workloads/lenet5.yaml", lenet5(),
                  {117600ull + 240000ull, 48000ull + 10080ull + 840ull, 150ull + 2400ull, 58920ull, 4704ull + 1600ull});
    EXPECT_EQ(357600ull + 58920ull, 416520ull);
}

// ---------------------------------------------------------------------------------------------
// Host layers

TEST(Zoo, HostLayerOpsByHand) {
    const Network alex = load_network(src("workloads/alexnet.yaml"));
    const Network res = load_network(src("workloads/resnet18.yaml"));
    auto find = [](const Network& n, const std::string& name) {
        for (const Layer& l : n.layers)
            if (l.name == name) return l;
        ADD_FAILURE() << "no layer " << name;
        return Layer{};
    };
    const Layer pool1 = find(alex, "POOL1");  // 3x3/2 max over 96 x 55 x 55: 27 x 27 outputs
    EXPECT_EQ(pool1.shape.E(), 27);
    EXPECT_EQ(pool1.host_ops(), 96ull * 27 * 27 * 9);
    EXPECT_EQ(pool1.host_ops(), 629856u);
    const Layer add2a = find(res, "ADD2A");  // two 64 x 56 x 56 tensors
    EXPECT_EQ(add2a.host_ops(), 200704u);
    const Layer avg = find(res, "AVGPOOL");  // 7x7 average over 512 x 7 x 7: one output per channel
    EXPECT_EQ(avg.pool_op, PoolOp::Avg);
    EXPECT_EQ(avg.host_ops(), 512u * 49);
    // scale with the batch
    EXPECT_EQ(find(with_batch(alex, 4), "POOL1").host_ops(), 4 * 629856u);
    EXPECT_EQ(find(with_batch(res, 3), "ADD2A").host_ops(), 3 * 200704u);

    // not simulated: no cycles, counts or energy, on any dataflow; the total leaves them out
    for (const Dataflow* d : all_dataflows()) {
        RunOptions opt;
        opt.dataflow = d->name();
        NetworkResult nr;
        for (const Layer& l : {pool1, add2a}) {
            LayerResult r = simulate_layer(l, eyeriss(), table45(), opt);
            EXPECT_EQ(r.executed_on, ExecutedOn::Host);
            EXPECT_EQ(r.output_check, OutputCheck::Host);
            EXPECT_EQ(r.host_ops, l.host_ops());
            EXPECT_EQ(r.cycles, 0u);
            EXPECT_EQ(r.counts, ActionCounts{});
            EXPECT_EQ(r.energy.total(), 0.0);
            nr.layers.push_back(r);
        }
        const LayerResult tot = nr.total();
        EXPECT_EQ(tot.host_ops, 629856u + 200704u);
        EXPECT_EQ(tot.output_check, OutputCheck::Skipped);  // nothing was checked
    }
}

namespace {

class ZooCli : public TempDirTest {
protected:
    int run(const std::string& args, std::string* out = nullptr, std::string* err = nullptr) {
        const CmdResult r = dfsim(args);
        if (out) *out = r.out;
        if (err) *err = r.err;
        return r.code;
    }
    // The load error of a workload file, "" if it loads.
    std::string load_error(const std::string& yaml) {
        const std::string path = write("bad.yaml", yaml);
        try {
            load_network(path);
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "";
    }
};

}  // namespace

TEST_F(ZooCli, LeNetAllLayersReportsHostRows) {
    const std::string json = (dir / "r.json").string(), csv = (dir / "r.csv").string();
    std::string out, err;
    ASSERT_EQ(run("run --workload " + src("workloads/lenet5.yaml") + " --layers all --json " + json + " --csv " + csv,
                  &out, &err),
              0)
        << err;
    const auto j = nlohmann::json::parse(slurp(json));
    ASSERT_EQ(j["layers"].size(), 7u);
    const std::vector<std::string> names = {"CONV1", "POOL1", "CONV2", "POOL2", "FC1", "FC2", "FC3"};
    const std::vector<uint64_t> host_ops = {0, 6 * 14 * 14 * 4, 0, 16 * 5 * 5 * 4, 0, 0, 0};
    for (size_t i = 0; i < names.size(); ++i) {
        const auto& l = j["layers"][i];
        const bool host = names[i].rfind("POOL", 0) == 0;
        EXPECT_EQ(l["name"], names[i]);
        EXPECT_EQ(l["executed_on"], host ? "host" : "accelerator") << names[i];
        EXPECT_EQ(l["host_ops"].get<uint64_t>(), host_ops[i]) << names[i];
        EXPECT_EQ(l["output_check"], host ? "host" : "bit-exact") << names[i];
        if (host) {
            EXPECT_EQ(l["macs"].get<uint64_t>(), 0u);
            EXPECT_EQ(l["cycles"].get<uint64_t>(), 0u);
            EXPECT_EQ(l["energy"]["total"].get<double>(), 0.0);
        }
    }
    EXPECT_EQ(j["total"]["macs"].get<uint64_t>(), 416520u);  // the accelerator layers only
    EXPECT_EQ(j["total"]["host_ops"].get<uint64_t>(), 4704u + 1600u);
    EXPECT_EQ(j["total"]["output_check"], "bit-exact");
    EXPECT_FALSE(j["total"].contains("executed_on"));
    // CSV: two columns at the end; the total row leaves executed_on empty
    std::stringstream rows(slurp(csv));
    std::string header, line;
    std::getline(rows, header);
    EXPECT_NE(header.find(",output_check,executed_on,host_ops"), std::string::npos) << header;
    EXPECT_EQ(std::count(header.begin(), header.end(), ','), 76) << header;  // 77 columns (docs/report.md)
    std::vector<std::string> lines;
    while (std::getline(rows, line)) lines.push_back(line);
    ASSERT_EQ(lines.size(), 8u);
    EXPECT_EQ(lines[1].substr(0, 6), "POOL1,");
    // columns 42-45 (0-based 41..44): output_check, executed_on, host_ops, multiplier
    auto cols = [](const std::string& l) {
        std::vector<std::string> v;
        std::stringstream ss(l);
        for (std::string c; std::getline(ss, c, ',');) v.push_back(c);
        if (!l.empty() && l.back() == ',') v.push_back("");
        return v;
    };
    const auto pool = cols(lines[1]), conv1 = cols(lines[0]), tot = cols(lines[7]);
    ASSERT_EQ(pool.size(), 77u);
    EXPECT_EQ(pool[55], "pass");  // the run's timing model, in every row (host rows too)
    EXPECT_EQ(pool[41] + "," + pool[42] + "," + pool[43] + "," + pool[44], "host,host,4704,");
    EXPECT_EQ(conv1[41] + "," + conv1[42] + "," + conv1[43] + "," + conv1[44], "bit-exact,accelerator,0,mac");
    EXPECT_EQ(tot[41] + "," + tot[42] + "," + tot[43], "bit-exact,,6304") << lines[7];
    // text: host rows and the footer
    EXPECT_NE(out.find("host 4.7k ops\n"), std::string::npos) << out;  // 4704, two significant digits
    EXPECT_NE(out.find("host: 2 pool layers are host work, not simulated"), std::string::npos) << out;
}

TEST_F(ZooCli, LayerTypesSelectHostLayers) {
    std::string out, err;
    // pool alone: nothing to simulate, nothing checked
    ASSERT_EQ(run("run --workload " + src("workloads/resnet18.yaml") + " --layers pool,add", &out, &err), 0) << err;
    EXPECT_NE(out.find("POOL1"), std::string::npos);
    EXPECT_NE(out.find("ADD5B"), std::string::npos);
    EXPECT_EQ(out.find("CONV1 "), std::string::npos);
    EXPECT_NE(out.find("host: 10 pool/add layers"), std::string::npos) << out;
    EXPECT_NE(out.find("are not in the MACs or the total (counted as pool N*C*E*F*R*S, add N*C*H*W)\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("host 1.8M ops\n"), std::string::npos) << out;  // POOL1: 64x112x112 x 3x3 = 1806336
    // a pinned mapping cannot name a host layer
    const std::string pin = write("pin.yaml", "dataflow: rs\nlayers:\n  CONV1: {e: 7}\n  POOL1: {e: 7}\n");
    EXPECT_EQ(run("run --workload " + src("workloads/lenet5.yaml") + " --layers all --mapping " + pin, &out, &err), 2);
    EXPECT_NE(err.find("pin.yaml:4:"), std::string::npos) << err;
    EXPECT_NE(err.find("POOL1 is a pool layer, which runs on the host"), std::string::npos) << err;
    // compare runs host layers too (as rows without MACs, marked host)
    ASSERT_EQ(run("compare --workload " + src("workloads/lenet5.yaml") + " --layers POOL1,CONV2 --dataflows rs,ws",
                  &out, &err),
              0)
        << err;
    EXPECT_NE(out.find("POOL1"), std::string::npos) << out;
    EXPECT_NE(out.find("host"), std::string::npos) << out;
}

TEST_F(ZooCli, BadPoolAndAddFieldsNameFileLineAndField) {
    const std::string head = "name: t\nlayers:\n  - {name: A, C: 4, H: 8, W: 8, M: 4, R: 3, S: 3}\n";
    const struct {
        std::string layer, want;
    } cases[] = {
        {"{name: P, type: pool, C: 4, H: 8, W: 8, R: 2, S: 2, stride: 2}",
         "field 'layers[1].op': required field is missing (max or avg)"},
        {"{name: P, type: pool, op: min, C: 4, H: 8, W: 8, R: 2, S: 2, stride: 2}",
         "field 'layers[1].op': expected one of {max, avg}, got 'min'"},
        {"{name: P, type: pool, op: max, C: 4, H: 8, W: 8, R: 2, S: 2}",
         "field 'layers[1].stride': required field is missing"},
        {"{name: P, type: pool, op: max, C: 4, H: 8, W: 8, M: 4, R: 2, S: 2, stride: 2}",
         "field 'layers[1].M': unknown field"},
        {"{name: P, type: pool, op: max, C: 4, H: 8, W: 8, R: 3, S: 3, stride: 1, padding: 2}",
         "field 'layers[1].padding': expected at most half the pooling window (1), got 2"},
        {"{name: P, type: pool, op: avg, C: 4, H: 8, W: 8, R: 9, S: 3, stride: 1}",
         "field 'layers[1].R': expected R <= H + 2*padding (8)"},
        {"{name: P, type: pool, op: avg, C: 4, H: 8, W: 8, R: 2, S: 2, stride: 2, requant: {multiplier: 1, shift: 2}}",
         "field 'layers[1].requant': unknown field"},
        {"{name: S, type: add, C: 4, H: 8, W: 8, R: 1}", "field 'layers[1].R': unknown field"},
        {"{name: S, type: add, C: 4, H: 8}", "field 'layers[1].W': required field is missing"},
        {"{name: S, type: add, C: 0, H: 8, W: 8}", "field 'layers[1].C': expected an integer in [1, 1048576], got 0"},
        {"{name: S, type: max, C: 4, H: 8, W: 8}",
         "field 'layers[1].type': expected one of {conv, fc, gemm, matmul, pool, add, concat, softmax, layernorm, "
         "gelu}, got "
         "'max'"},
    };
    for (const auto& c : cases) {
        const std::string e = load_error(head + "  - " + c.layer + "\n");
        EXPECT_NE(e.find((dir / "bad.yaml").string() + ":4:"), std::string::npos) << c.layer << " -> " << e;
        EXPECT_NE(e.find(c.want), std::string::npos) << c.layer << " -> " << e;
    }
    // and a good one loads
    EXPECT_EQ(
        load_error(head + "  - {name: P, type: pool, op: max, C: 4, H: 8, W: 8, R: 3, S: 3, stride: 2, padding: 1}\n"
                          "  - {name: S, type: add, C: 4, H: 4, W: 4}\n"),
        "");
}

// ---------------------------------------------------------------------------------------------
// Every dataflow, bit-exact, on the first two accelerator layers of each network at batch 1 (the
// real shapes; each layer's data and reference output are made once and shared by the
// dataflows). VGG-16's CONV1_2 (1.85 G MACs, about 40 s over the six dataflows) is a test per
// dataflow, so that ctest -j spreads it.

namespace {

void expect_bit_exact(const Layer& l, const LayerData& data, const Tensor4& ref, const std::string& dataflow) {
    RunOptions opt;
    opt.dataflow = dataflow;
    const LayerResult r = simulate_layer(l, eyeriss(), table45(), opt, false, &data, &ref);
    EXPECT_EQ(r.output_check, OutputCheck::BitExact)
        << l.name << " " << dataflow << ": " << r.mismatches << " mismatches";
    EXPECT_EQ(r.counts.macs, l.shape.macs()) << l.name << " " << dataflow;
    EXPECT_EQ(r.counts.psum_saturations, 0u) << l.name << " " << dataflow;
}

// The accelerator layer `name` of `file`, which must be its `index`-th one.
Layer accelerator_layer(const std::string& file, size_t index, const std::string& name) {
    const std::vector<Layer> acc = accelerator_layers(load_network(src(file)));
    EXPECT_LT(index, acc.size()) << file;
    const Layer l = acc.at(index);
    EXPECT_EQ(l.name, name) << file;
    EXPECT_EQ(l.shape.N, 1) << file;
    return l;
}

void expect_bit_exact_on_every_dataflow(const std::string& file, const std::vector<std::string>& names) {
    for (size_t i = 0; i < names.size(); ++i) {
        const Layer l = accelerator_layer(file, i, names[i]);
        const LayerData data = make_layer_data(l);
        const Tensor4 ref = reference_conv(l, data.ifmap, data.filter);
        for (const Dataflow* d : all_dataflows()) expect_bit_exact(l, data, ref, d->name());
    }
}

}  // namespace

TEST(ZooBitExact, AlexNet) { expect_bit_exact_on_every_dataflow("workloads/alexnet.yaml", {"CONV1", "CONV2"}); }
TEST(ZooBitExact, Vgg16Conv1_1) { expect_bit_exact_on_every_dataflow("workloads/vgg16.yaml", {"CONV1_1"}); }
TEST(ZooBitExact, ResNet18) { expect_bit_exact_on_every_dataflow("workloads/resnet18.yaml", {"CONV1", "CONV2A_1"}); }
TEST(ZooBitExact, LeNet5) { expect_bit_exact_on_every_dataflow("workloads/lenet5.yaml", {"CONV1", "CONV2"}); }

// MobileNet: CONV1, the first depthwise layer (groups = C = M, one channel per group: every
// dataflow maps it, group by group) and, beyond the first two, the first pointwise layer.
TEST(ZooBitExact, MobileNetV1WithDepthwise) {
    const LayerShape dw1 = accelerator_layer("workloads/mobilenet_v1.yaml", 1, "DW1").shape;
    EXPECT_EQ(dw1.G, dw1.C);
    EXPECT_EQ(dw1.G, dw1.M);
    EXPECT_EQ(dw1.Cg(), 1);
    expect_bit_exact_on_every_dataflow("workloads/mobilenet_v1.yaml", {"CONV1", "DW1", "PW1"});
}

class ZooVgg16Conv1_2 : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooVgg16Conv1_2, BitExact) {
    const Layer l = accelerator_layer("workloads/vgg16.yaml", 1, "CONV1_2");
    const LayerData data = make_layer_data(l);
    expect_bit_exact(l, data, reference_conv(l, data.ifmap, data.filter), GetParam());
}

INSTANTIATE_TEST_SUITE_P(EveryDataflow, ZooVgg16Conv1_2, ::testing::ValuesIn(dataflow_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                             std::string n = p.param;
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });
