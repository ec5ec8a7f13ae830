// Timeloop files: problem YAML import (Timeloop's published files in tests/data/timeloop, the v0.4
// and the older form, shapes checked by hand; padding derived; one stride, no dilation; errors
// with file, line and field), folders and lists of problems, a run bit-exact with the hand-counted
// MACs, export and re-import (alexnet, resnet18, mobilenet), and --mapping-format timeloop, whose
// factors must multiply to each layer's extents for every dataflow.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "base/error.h"
#include "dataflows/dataflow.h"
#include "report/timeloop_mapping.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"
#include "workload/formats/timeloop.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

std::string error_of(const std::string& text) {
    try {
        load_timeloop_problem_text(text, "p.yaml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

const char* kSmall =
    "problem:\n"
    "  instance:\n"
    "    C: 16\n"
    "    M: 8\n"
    "    R: 3\n"
    "    S: 5\n"
    "    N: 2\n"
    "    P: 6\n"
    "    Q: 5\n"
    "    Hstride: 1\n"
    "    Wstride: 1\n";

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const size_t k = s.find(from);
    EXPECT_NE(k, std::string::npos) << from;
    return k == std::string::npos ? s : s.replace(k, from.size(), to);
}

}  // namespace

// layer3.yaml (timeloop-accelergy-exercises, v0.4 with densities): C 256, M 384, 3x3, N 4, 13x13
// outputs, stride 1: the unpadded ifmap is 15x15; densities become the data's zero fractions.
TEST(Timeloop, ReadsThePublishedV04Problem) {
    const Network n = load_network(src("tests/data/timeloop/layer3.yaml"));
    ASSERT_EQ(n.layers.size(), 1u);
    const Layer& l = n.layers[0];
    EXPECT_EQ(l.name, "layer3");
    EXPECT_EQ(l.type, LayerType::Conv);
    LayerShape want;
    want.N = 4, want.C = 256, want.M = 384, want.R = 3, want.S = 3, want.H = 15, want.W = 15, want.U = 1, want.P = 0;
    EXPECT_EQ(l.shape, want);
    EXPECT_EQ(l.shape.E(), 13);
    EXPECT_EQ(l.shape.macs(), 256ull * 384 * 3 * 3 * 4 * 13 * 13);
    EXPECT_DOUBLE_EQ(l.ifmap_data.zero_fraction, 1 - 0.275);
    EXPECT_DOUBLE_EQ(l.filter_data.zero_fraction, 1 - 0.346133);
    EXPECT_FALSE(n.notes.empty());
}

// default_problem.yaml (NVlabs/timeloop, v0.4 with H, W, Hpad and Wpad, name conv2D): 224x224,
// padding 1, stride 2, 3x3 -> 112x112.
TEST(Timeloop, ReadsGivenIfmapAndPadding) {
    const Layer l = load_network(src("tests/data/timeloop/default_problem.yaml")).layers.at(0);
    LayerShape want;
    want.C = 3, want.M = 32, want.R = 3, want.S = 3, want.H = 224, want.W = 224, want.U = 2, want.P = 1;
    EXPECT_EQ(l.shape, want);
    EXPECT_EQ(l.shape.E(), 112);
    EXPECT_EQ(l.shape.F(), 112);
}

// The older forms: cnn-layer.prob.yaml (the instance keys in `problem:`, K for the output channels,
// the shape a mapping) and NVlabs' sample.yaml (`shape: cnn-layer`, beside arch, mapper and
// mapspace keys): P is the output's width, Q its height (P 48, Q 480 -> 480 rows of 48).
TEST(Timeloop, ReadsTheOlderForms) {
    const Layer a = load_network(src("tests/data/timeloop/cnn-layer.prob.yaml")).layers.at(0);
    EXPECT_EQ(a.name, "cnn-layer");
    EXPECT_EQ(a.shape.C, 256);
    EXPECT_EQ(a.shape.M, 512);
    EXPECT_EQ(a.shape.N, 16);
    EXPECT_EQ(a.shape.H, 58);
    EXPECT_EQ(a.shape.macs(), 256ull * 512 * 3 * 3 * 16 * 56 * 56);
    const Layer b = load_network(src("tests/data/timeloop/sample.yaml")).layers.at(0);
    EXPECT_EQ(b.shape.C, 1);
    EXPECT_EQ(b.shape.M, 16);
    EXPECT_EQ(b.shape.E(), 480);
    EXPECT_EQ(b.shape.F(), 48);
    EXPECT_EQ(b.shape.H, 482);
    EXPECT_EQ(b.shape.W, 50);
}

// Timeloop's R and P run along the width, S and Q along the height (its Inputs projection).
TEST(Timeloop, WidthAndHeightFollowTheProjection) {
    const LayerShape s = load_timeloop_problem_text(kSmall, "small.yaml").layers.at(0).shape;
    EXPECT_EQ(s.R, 5);  // Timeloop S: the filter's height
    EXPECT_EQ(s.S, 3);  // Timeloop R: its width
    EXPECT_EQ(s.E(), 5);  // Q
    EXPECT_EQ(s.F(), 6);  // P
    EXPECT_EQ(s.H, 9);  // (Q - 1) * Hstride + S
    EXPECT_EQ(s.W, 8);  // (P - 1) * Wstride + R
    EXPECT_EQ(s.macs(), 16ull * 8 * 3 * 5 * 2 * 6 * 5);
}

// With H and W but no padding, the least padding that gives P x Q outputs (ResNet's first layer:
// 224, 7x7, stride 2, 112 outputs: padding 3); G multiplies C and M; the shape may be omitted.
TEST(Timeloop, DerivesPaddingAndReadsGroups) {
    const std::string resnet =
        "problem:\n  instance: {C: 3, M: 64, R: 7, S: 7, P: 112, Q: 112, H: 224, W: 224, Hstride: 2, Wstride: 2}\n";
    const LayerShape s = load_timeloop_problem_text(resnet, "r.yaml").layers.at(0).shape;
    EXPECT_EQ(s.P, 3);
    EXPECT_EQ(s.H, 224);
    EXPECT_EQ(s.E(), 112);
    const std::string dw = "problem:\n  instance: {C: 1, M: 1, G: 32, R: 3, S: 3, P: 14, Q: 14, H: 14, W: 14}\n";
    const LayerShape d = load_timeloop_problem_text(dw, "dw.yaml").layers.at(0).shape;
    EXPECT_EQ(d.C, 32);
    EXPECT_EQ(d.M, 32);
    EXPECT_EQ(d.G, 32);
    EXPECT_TRUE(d.depthwise());
    EXPECT_EQ(d.P, 1);
}

// Bad problems: the file, line and column, the field, and what was expected (a missing key: the
// line and column of its mapping).
TEST(Timeloop, BadProblemsNameFileLineAndField) {
    const std::string no_c = replaced(kSmall, "    C: 16\n", "");
    EXPECT_NE(error_of(no_c).find("p.yaml:3:5: field 'problem.instance.C': required field is missing"),
              std::string::npos)
        << error_of(no_c);
    const std::string text = replaced(kSmall, "C: 16", "C: sixteen");
    EXPECT_NE(error_of(text).find("p.yaml:3:8: field 'problem.instance.C': expected an integer"), std::string::npos)
        << error_of(text);
    const std::string stride = replaced(kSmall, "Wstride: 1", "Wstride: 2");
    EXPECT_NE(error_of(stride).find("p.yaml:11:14: field 'problem.instance.Wstride': expected the Hstride (1)"),
              std::string::npos)
        << error_of(stride);
    const std::string dil = std::string(kSmall) + "    Hdilation: 2\n";
    EXPECT_NE(error_of(dil).find("field 'problem.instance.Hdilation': expected 1: dfsim has no dilated"),
              std::string::npos)
        << error_of(dil);
    const std::string both = std::string(kSmall) + "    K: 8\n";
    EXPECT_NE(error_of(both).find("field 'problem.instance.K': expected M or K"), std::string::npos);
    const std::string typo = std::string(kSmall) + "    Hstrid: 1\n";
    EXPECT_NE(error_of(typo).find("field 'problem.instance.Hstrid': unknown field of a CNN-Layer instance"),
              std::string::npos)
        << error_of(typo);
    const std::string big_h = std::string(kSmall) + "    H: 30\n";
    EXPECT_NE(error_of(big_h).find("field 'problem.instance.H': expected an ifmap H that some padding"),
              std::string::npos)
        << error_of(big_h);
    const std::string uneven = std::string(kSmall) + "    H: 7\n    W: 8\n";  // height padding 1, width 0
    EXPECT_NE(error_of(uneven).find("field 'problem.instance.W': expected the height's padding (1)"), std::string::npos)
        << error_of(uneven);
    try {
        load_network(src("tests/data/timeloop/not_cnn/gemm-ABZ.prob.yaml"));
        ADD_FAILURE() << "a GEMM problem loaded";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("gemm-ABZ.prob.yaml:11:11: field 'problem.shape.name': expected a CNN "
                                             "layer's shape"),
                  std::string::npos)
            << e.what();
    }
}

// A folder of problems is a network, in sorted file order (subfolders and other files ignored);
// a list file names them in its own order, a file listed twice a second layer of its own name.
TEST(Timeloop, FoldersAndListsAreNetworks) {
    const Network n = load_network(src("tests/data/timeloop"));
    ASSERT_EQ(n.layers.size(), 4u);
    EXPECT_EQ(n.name, "timeloop");
    EXPECT_EQ(n.layers[0].name, "cnn-layer");
    EXPECT_EQ(n.layers[1].name, "default_problem");
    EXPECT_EQ(n.layers[2].name, "layer3");
    EXPECT_EQ(n.layers[3].name, "sample");
    EXPECT_TRUE(n.layers[0].network_input);
    EXPECT_NE(n.layers[0].ifmap_data.seed, n.layers[1].ifmap_data.seed);
    const fs::path dir = fs::temp_directory_path() / ("dfsim_tl_list_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "net.yaml") << "name: mine\nproblems:\n  - " << src("tests/data/timeloop/layer3.yaml")
                                    << "\n  - small.yaml\n  - small.yaml\n";
    std::ofstream(dir / "small.yaml") << kSmall;
    const Network l = load_network((dir / "net.yaml").string());
    ASSERT_EQ(l.layers.size(), 3u);
    EXPECT_EQ(l.name, "mine");
    EXPECT_EQ(l.layers[0].name, "layer3");
    EXPECT_EQ(l.layers[1].name, "small");
    EXPECT_EQ(l.layers[2].name, "small_2");
    fs::remove_all(dir);
}

namespace {
class TimeloopCli : public TempDirTest {};

// The layers of a folder of exported problems, by name.
std::map<std::string, Layer> by_name(const Network& n) {
    std::map<std::string, Layer> m;
    for (const Layer& l : n.layers) m[l.name] = l;
    return m;
}
}  // namespace

// A run on a published problem: bit-exact, MACs C*M*R*S*N*P*Q counted by hand (3*32*3*3*1*112*112).
TEST_F(TimeloopCli, RunsAPublishedProblemBitExact) {
    const std::string json = (dir / "r.json").string();
    const CmdResult r = dfsim("run --workload " + src("tests/data/timeloop/default_problem.yaml") +
                              " --layers all --dataflow ws --json " + json);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(slurp(json));
    ASSERT_EQ(j["layers"].size(), 1u);
    EXPECT_EQ(j["layers"][0]["name"], "default_problem");
    EXPECT_EQ(j["layers"][0]["output_check"], "bit-exact");
    EXPECT_EQ(j["layers"][0]["macs"], 3 * 32 * 3 * 3 * 1 * 112 * 112);
    EXPECT_NE(r.out.find("bit-exact"), std::string::npos) << r.out;
}

// Export and import again: every conv/fc layer's shape comes back equal (padding and groups from
// the extra keys); without H, W, Hpad and Wpad (what Timeloop itself reads), the same outputs and
// MACs from the unpadded ifmap the outputs imply.
TEST_F(TimeloopCli, ExportRoundTrips) {
    for (const std::string net : {"alexnet", "resnet18", "mobilenet_v1"}) {
        SCOPED_TRACE(net);
        const std::string out = (dir / net).string();
        const CmdResult r =
            dfsim("export --format timeloop --workload " + src("workloads/" + net + ".yaml") + " --out " + out);
        ASSERT_EQ(r.code, 0) << r.err;
        const Network orig = load_network(src("workloads/" + net + ".yaml"));
        const std::map<std::string, Layer> back = by_name(load_network(out));
        size_t accel = 0;
        for (const Layer& l : orig.layers) {
            if (l.on_host()) continue;
            ++accel;
            ASSERT_TRUE(back.count(l.name)) << l.name;
            EXPECT_EQ(back.at(l.name).shape, l.shape) << l.name;
            EXPECT_EQ(back.at(l.name).type, l.type) << l.name;
            std::string text = slurp(fs::path(out) / (l.name + ".yaml"));
            std::string bare;  // the problem as Timeloop reads it
            std::istringstream in(text);
            for (std::string line; std::getline(in, line);)
                if (line.rfind("    H:", 0) != 0 && line.rfind("    W:", 0) != 0 && line.rfind("    Hpad:", 0) != 0 &&
                    line.rfind("    Wpad:", 0) != 0)
                    bare += line + "\n";
            const LayerShape s = load_timeloop_problem_text(bare, l.name + ".yaml").layers.at(0).shape;
            EXPECT_EQ(s.E(), l.shape.E()) << l.name;
            EXPECT_EQ(s.F(), l.shape.F()) << l.name;
            EXPECT_EQ(s.macs(), l.shape.macs()) << l.name;
            EXPECT_EQ(s.P, 0) << l.name;
        }
        EXPECT_EQ(back.size(), accel);
    }
    // stdout: a YAML stream, one document per layer; the host layers named on stderr
    const CmdResult r = dfsim("export --format timeloop --workload " + src("workloads/lenet5.yaml"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(YAML::LoadAll(r.out).size(), 5u) << r.out;
    EXPECT_NE(r.err.find("no Timeloop problem for non-conv/fc layers"), std::string::npos) << r.err;
}

namespace {

// The factors of each dimension of a printed mapping, multiplied over its levels.
std::map<char, long long> factor_products(const YAML::Node& doc) {
    std::map<char, long long> prod;
    for (const YAML::Node& level : doc["mapping"]) {
        std::istringstream in(level["factors"].as<std::string>());
        for (std::string f; in >> f;) {
            const long long v = std::stoll(f.substr(1));
            prod[f[0]] = (prod.count(f[0]) ? prod[f[0]] : 1) * v;
        }
    }
    return prod;
}

}  // namespace

// The mapper's choice for every dataflow on AlexNet layers (batch 2, grouped CONV2) in Timeloop's
// form: every dimension's factors, read back from the YAML, multiply to the layer's extent (C and
// M per group, R S the filter's width and height, N, P Q the output's width and height), or, where
// a comment calls the dimension ragged, to more (and then the DRAM factor is the tiles' count).
TEST(TimeloopMapping, FactorsMultiplyToTheExtents) {
    const Network net =
        with_batch(select_layers(load_network(src("workloads/alexnet.yaml")), "CONV1,CONV2,CONV3,FC7"), 2);
    for (const std::string df : {"ws", "nlr", "os-a", "os-b", "os-c", "rs"}) {
        SCOPED_TRACE(df);
        const ArchParams a = eyeriss().for_dataflow(df);
        for (const Layer& l : net.layers) {
            SCOPED_TRACE(l.name);
            const auto m = find_dataflow(df).choose_mapping(l, a, table45(), Objective::Energy);
            const std::string yaml =
                to_timeloop_mapping_yaml(timeloop_mapping(l.shape, df, m->to_yaml()), l.name, df, m->to_yaml());
            const YAML::Node doc = YAML::Load(yaml);
            const LayerShape& s = l.shape;
            const std::map<char, long long> want = {{'C', s.Cg()}, {'M', s.Mg()}, {'R', s.S},  {'S', s.R},
                                                    {'N', s.N},    {'P', s.F()},  {'Q', s.E()}};
            const std::map<char, long long> got = factor_products(doc);
            for (const auto& [d, e] : want) {
                if (yaml.find(std::string("# ragged ") + d + ":") != std::string::npos)
                    EXPECT_GT(got.at(d), e) << d << "\n" << yaml;
                else
                    EXPECT_EQ(got.at(d), e) << d << "\n" << yaml;
            }
            ASSERT_EQ(doc["mapping"].size(), df == "nlr" ? 3u : 4u) << yaml;
            const YAML::Node dram = doc["mapping"][doc["mapping"].size() - 1];
            EXPECT_EQ(dram["target"].as<std::string>(), "DRAM");
            EXPECT_EQ(dram["type"].as<std::string>(), "temporal");
            for (const YAML::Node& level : doc["mapping"]) {
                std::string perm = level["permutation"].as<std::string>();
                std::sort(perm.begin(), perm.end());
                EXPECT_EQ(perm, "CMNPQRS") << yaml;  // every dimension once
            }
        }
    }
}

// The DRAM level's permutation (innermost first) follows the mapping's order, the channel loop
// where it sits: innermost for the three-letter orders, placed by the four-letter ones (psum
// spills); by hand from the letters (n: N, e: Q, m: M, c: C), then the other dimensions.
TEST(TimeloopMapping, DramPermutationPlacesTheChannelLoop) {
    const Layer l = select_layers(load_network(src("workloads/alexnet.yaml")), "CONV3").layers.at(0);
    const std::string fields = "{h: 3, e: 13, p: 8, q: 4, r: 4, t: 1, nt: 1, et: 13, mt: 8, ct: 64, order: ";
    for (const auto& [order, perm] : {std::pair{"e", "CMQNRSP"},
                                      {"mne", "CQNMRSP"},
                                      {"necm", "MCQNRSP"},
                                      {"cnme", "QMNCRSP"},
                                      {"nmce", "QCMNRSP"}}) {
        const std::string entry = fields + order + "}";
        const std::string yaml = to_timeloop_mapping_yaml(timeloop_mapping(l.shape, "rs", entry), l.name, "rs", entry);
        const YAML::Node doc = YAML::Load(yaml);
        const YAML::Node dram = doc["mapping"][doc["mapping"].size() - 1];
        EXPECT_EQ(dram["permutation"].as<std::string>(), perm) << order << "\n" << yaml;
    }
}

// --mapping-format timeloop on run (implying --show-mapping) and compare: a YAML stream, one
// document per layer, before the table.
TEST_F(TimeloopCli, ShowMappingPrintsTimeloopYaml) {
    const std::string p = src("tests/data/timeloop/default_problem.yaml");
    CmdResult r = dfsim("run --no-check --layers all --workload " + p + " --dataflow rs --mapping-format timeloop");
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string yaml = r.out.substr(0, r.out.find("dfsim: "));  // the table follows
    ASSERT_EQ(YAML::LoadAll(yaml).size(), 1u) << r.out;
    EXPECT_EQ(yaml.rfind("---\n# layer default_problem, dataflow rs: {h: ", 0), 0u) << yaml;
    EXPECT_GE(factor_products(YAML::Load(yaml)).at('Q'), 112) << yaml;
    r = dfsim("compare --no-check --layers all --workload " + p + " --dataflows ws,os-c --mapping-format timeloop");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("# dataflow ws:\n---\n# layer default_problem, dataflow ws: {cp: "), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("# dataflow os-c:\n---\n# layer default_problem, dataflow os-c: {mp: "), std::string::npos)
        << r.out;
    r = dfsim("run --workload " + p + " --mapping-format yaml");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--mapping-format"), std::string::npos) << r.err;
}
