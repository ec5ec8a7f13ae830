// The bad-input corpus: what a careless or hostile user types, across every input kind (arch,
// energy, mapping and sweep-spec YAML; workload YAML; SCALE-Sim CSV; .npy; ONNX; command-line
// values and output paths). Each case runs the dfsim binary and asserts its documented exit code
// (2 bad input, 4 an output that cannot be written), one `dfsim: error:` line naming the file
// (and the line or field where there is one), and that nothing was left behind in a scratch
// output directory. Then the extreme-but-legal inputs (5000 layers, a 50 MB comment), which must
// run, within a stated time.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "config/arch.h"
#include "sim/simulator.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

// One bad input: files written into the case's directory (name, content), the command line
// ({d}: the case's directory, {out}: its empty scratch output directory, {arch}, {net}: a valid
// architecture and one-layer workload in it), the exit code, and substrings of the error line.
struct BadCase {
    std::string kind, what;
    std::vector<std::pair<std::string, std::string>> files;
    std::string args;
    int code;
    std::vector<std::string> expect;
};

const char* const kNet = "name: tiny\nlayers:\n  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3}\n";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t k = s.find(from); k != std::string::npos; k = s.find(from, k + to.size()))
        s.replace(k, from.size(), to);
    return s;
}

std::string slurp_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The eyeriss architecture with `from` replaced by `to` (from must occur).
std::string arch_with(const std::string& from, const std::string& to) {
    std::string a = slurp_file(src("configs/arch/eyeriss.yaml"));
    const size_t k = a.find(from);
    EXPECT_NE(k, std::string::npos) << from;
    return k == std::string::npos ? a : a.replace(k, from.size(), to);
}

// A .npy file: magic, version 1.0, a header padded to 64 bytes, then `data`.
std::string npy(const std::string& dict, const std::string& data) {
    std::string h = dict;
    while ((10 + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::string out = std::string("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(h.size() & 0xFF);
    out += static_cast<char>(h.size() >> 8);
    return out + h + data;
}

// A float ONNX model: input x [1, 3, 8, 8], one Conv whose weight has `wdims` (no data).
std::string onnx_conv(const std::vector<int64_t>& wdims) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(14);
    onnx::GraphProto* g = m.mutable_graph();
    auto* in = g->add_input();
    in->set_name("x");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : {1, 3, 8, 8}) tt->mutable_shape()->add_dim()->set_dim_value(d);
    onnx::TensorProto* w = g->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : wdims) w->add_dims(d);
    w->add_float_data(0.5f);
    auto* n = g->add_node();
    n->set_op_type("Conv");
    n->set_name("conv1");
    n->add_input("x");
    n->add_input("w");
    n->add_output("y");
    return m.SerializeAsString();
}

const std::string kSpecHead = "arch: {arch}\nworkload: {net}\ndataflows: [rs]\nout: {out}/s\n";

std::vector<BadCase> arch_cases() {
    const std::string rows = "  rows: 12                # JSSC 2017: 12 x 14 PEs\n";
    return {
        {"arch",
         "duplicate key",
         {{"a.yaml", arch_with("  cols: 14\n", "  cols: 14\n  rows: 1000\n")}},
         "run --arch {d}/a.yaml --workload {net}",
         2,
         {"a.yaml:14:3: field 'pe_array.rows': duplicate key", "line 12"}},
        {"arch",
         "hexadecimal",
         {{"a.yaml", arch_with(rows, "  rows: 0x0C\n")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:12:9: field 'pe_array.rows'", "decimal", "'0x0C'"}},
        {"arch",
         "octal",
         {{"a.yaml", arch_with(rows, "  rows: 012\n")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:12:9: field 'pe_array.rows'", "'012'"}},
        {"arch",
         "zero rows",
         {{"a.yaml", arch_with(rows, "  rows: 0\n")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:12:9: field 'pe_array.rows': expected an integer in [1, 1024], got 0"}},
        {"arch",
         "unknown field",
         {{"a.yaml", arch_with("  cols: 14\n", "  cols: 14\n  colz: 3\n")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:14:3: field 'pe_array.colz': unknown field"}},
        {"arch",
         "text for a number",
         {{"a.yaml", arch_with("clock_mhz: 200", "clock_mhz: fast")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:10:", "field 'clock_mhz'", "got 'fast'"}},
        {"arch",
         "control character in the name",
         {{"a.yaml", arch_with("name: eyeriss", "name: \"ey\\x07eriss\"")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:8:7: field 'name'", "control character (0x07)"}},
        {"arch",
         "0xFF byte in the name",
         {{"a.yaml", arch_with("name: eyeriss", "name: ey\xFFriss")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:", "UTF-8"}},
        {"arch",
         "collection as a key",
         {{"a.yaml", arch_with("pe_array:\n", "pe_array:\n  {}: 3\n")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:12:3: field 'pe_array'", "plain key"}},
    };
}

std::vector<BadCase> arch_file_cases() {
    return {
        {"arch",
         "not a mapping",
         {{"a.yaml", "- 1\n- 2\n"}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:1:1:", "YAML mapping"}},
        {"arch", "syntax error", {{"a.yaml", "name: [x\n"}}, "run --arch {d}/a.yaml", 2, {"a.yaml:", "YAML syntax"}},
        {"arch", "a directory", {}, "run --arch {d}", 2, {"is a directory"}},
        {"arch",
         "missing absolute path",
         {},
         "run --arch /nonexistent/dfsim/a.yaml",
         2,
         {"dfsim: error: /nonexistent/dfsim/a.yaml: file not found"}},
        {"arch",
         "missing energy table",
         {{"a.yaml", arch_with("name: eyeriss\n", "name: eyeriss\nenergy_table: nope.yaml\n")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:9:", "field 'energy_table'", "'nope.yaml'"}},
        {"arch",
         "negative buffer",
         {{"a.yaml", arch_with("size_kb: 108", "size_kb: -1")}},
         "run --arch {d}/a.yaml",
         2,
         {"a.yaml:", "field 'glb.size_kb'", "got -1"}},
        {"arch",
         "equal_area names an unknown dataflow",
         {{"a.yaml",
           arch_with("name: eyeriss\n",
                     "name: eyeriss\nequal_area:\n  rf_area_per_byte: 1\n  glb_area_per_byte: 1\n"
                     "  dataflows:\n    xyz: {ifmap_spad_words: 1, filter_spad_words: 1, psum_spad_words: 1}\n")}},
         "run --arch {d}/a.yaml --workload {net}",
         2,
         {"a.yaml:13:10: field 'equal_area.dataflows.xyz'", "'xyz'"}},
    };
}

std::vector<BadCase> energy_mapping_cases() {
    const std::string t = slurp_file(src("configs/energy/45nm.yaml"));
    return {
        {"energy",
         "duplicate key",
         {{"e.yaml", replace_all(t, "unit: pJ\n", "unit: pJ\nunit: normalized\n")}},
         "run --arch {arch} --workload {net} --energy {d}/e.yaml",
         2,
         {"e.yaml:8:1: field 'unit': duplicate key (first given at line 7, column 1)"}},
        {"energy",
         "negative energy",
         {{"e.yaml", replace_all(t, "read: 640", "read: -640")}},
         "run --arch {arch} --workload {net} --energy {d}/e.yaml",
         2,
         {"e.yaml:", "field 'dram.read'"}},
        {"energy",
         "hexadecimal",
         {{"e.yaml", replace_all(t, "reference_bits: 32\n  read: 640", "reference_bits: 0x20\n  read: 640")}},
         "run --arch {arch} --workload {net} --energy {d}/e.yaml",
         2,
         {"e.yaml:", "'0x20'"}},
        {"mapping",
         "unknown layer",
         {{"m.yaml", "dataflow: rs\nlayers:\n  NOPE: {h: 3}\n"}},
         "run --arch {arch} --workload {net} --mapping {d}/m.yaml",
         2,
         {"m.yaml:3:", "field 'layers.NOPE'"}},
        {"mapping",
         "unknown dataflow",
         {{"m.yaml", "dataflow: xyz\nlayers: {}\n"}},
         "run --arch {arch} --workload {net} --mapping {d}/m.yaml",
         2,
         {"m.yaml:1:", "field 'dataflow'", "'xyz'"}},
        {"mapping",
         "duplicate key",
         {{"m.yaml", "dataflow: rs\ndataflow: ws\nlayers: {}\n"}},
         "run --arch {arch} --workload {net} --mapping {d}/m.yaml",
         2,
         {"m.yaml:2:1: field 'dataflow': duplicate key"}},
    };
}

std::vector<BadCase> spec_cases() {
    auto spec = [](const std::string& axes) {
        return std::vector<std::pair<std::string, std::string>>{{"s.yaml", kSpecHead + axes}};
    };
    const std::string run = "sweep --no-plots --jobs 1 --spec {d}/s.yaml";
    return {
        {"spec", "bits 0", spec("axes: {bits: [0]}\n"), run, 2, {"s.yaml:5:", "field 'axes.bits'", "[1, 16], got 0"}},
        {"spec", "bits 99", spec("axes: {bits: [99]}\n"), run, 2, {"s.yaml:5:", "field 'axes.bits'", "got 99"}},
        {"spec",
         "batch 0",
         spec("axes: {batch: [0]}\n"),
         run,
         2,
         {"s.yaml:5:", "field 'axes.batch'", "[1, 4096], got 0"}},
        {"spec", "batch 99999", spec("axes: {batch: [99999]}\n"), run, 2, {"s.yaml:5:", "got 99999"}},
        {"spec", "duplicate key", spec("jobs: 1\njobs: 2\n"), run, 2, {"s.yaml:6:1: field 'jobs': duplicate key"}},
        {"spec",
         "set under a scalar",
         spec("axes: {set: {clock_mhz.x: [5]}}\n"),
         run,
         2,
         {"s.yaml:5:", "field 'axes.set.clock_mhz.x'", "'clock_mhz' is a value"}},
        {"spec", "seed -1", spec("seed: -1\n"), run, 2, {"s.yaml:5:", "field 'seed'", "got -1"}},
        {"spec", "jobs 0", spec("jobs: 0\n"), run, 2, {"s.yaml:5:", "field 'jobs'"}},
        {"spec", "unknown key", spec("axis: {}\n"), run, 2, {"s.yaml:5:1: field 'axis': unknown field"}},
        {"spec",
         "unknown dataflow",
         {{"s.yaml", replace_all(kSpecHead, "[rs]", "[xyz]")}},
         run,
         2,
         {"s.yaml:3:", "field 'dataflows'", "'xyz'"}},
        {"spec", "bad array size", spec("axes: {pe_array: [12y14]}\n"), run, 2, {"s.yaml:5:", "ROWSxCOLS", "'12y14'"}},
        {"spec", "hexadecimal glb", spec("axes: {glb_kb: [0x40]}\n"), run, 2, {"glb.size_kb", "'0x40'"}},
    };
}

std::vector<BadCase> workload_cases() {
    const std::string run = "run --arch {arch} --layers all --workload {d}/w.yaml";
    auto net = [](const std::string& layers) {
        return std::vector<std::pair<std::string, std::string>>{{"w.yaml", "name: w\nlayers:\n" + layers}};
    };
    const std::string a = "  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3}\n";
    return {
        {"workload",
         "key that is a collection (fuzzer)",
         {{"w.yaml", "name: w\ndefaults: {batch,{}}\nlayers:\n" + a}},
         run,
         2,
         {"w.yaml:2:", "field 'defaults'", "plain key"}},
        {"workload", "duplicate layer names", net(a + a), run, 2, {"w.yaml:4:", "field 'layers[1].name'", "'A' again"}},
        {"workload",
         "duplicate key in a layer",
         net("  - {name: A, C: 3, C: 4, H: 8, W: 8, M: 4, R: 3, S: 3}\n"),
         run,
         2,
         {"w.yaml:3:", "field 'layers[0].C': duplicate key"}},
        {"workload",
         "hexadecimal size",
         net("  - {name: A, C: 0x03, H: 8, W: 8, M: 4, R: 3, S: 3}\n"),
         run,
         2,
         {"w.yaml:3:", "field 'layers[0].C'", "'0x03'"}},
        {"workload",
         "MACs beyond 64 bits",
         net("  - {name: A, C: 1048576, H: 1048576, W: 1048576, M: 4, R: 3, S: 3}\n"),
         run,
         2,
         {"w.yaml:", "layer A", "MACs", "more than 2^64"}},
        {"workload",
         "control character in a name",
         net("  - {name: \"A\\x01\", C: 3, H: 8, W: 8, M: 4, R: 3, S: 3}\n"),
         run,
         2,
         {"w.yaml:3:", "control character (0x01)"}},
        {"workload",
         "tab in a name",
         net("  - {name: \"A\\tB\", C: 3, H: 8, W: 8, M: 4, R: 3, S: 3}\n"),
         run,
         2,
         {"w.yaml:", "field 'layers[0].name'", "control character (0x09)"}},
        {"workload",
         "0xFF byte in a name",
         net("  - {name: A\xFF, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3}\n"),
         run,
         2,
         {"w.yaml:", "UTF-8"}},
        {"workload",
         "batch above 4096",
         net("  - {name: A, N: 5000, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3}\n"),
         run,
         2,
         {"w.yaml:3:", "field 'layers[0].N'", "[1, 4096], got 5000"}},
        {"workload",
         "17-bit operands",
         net("  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, bits: {ifmap: {bits: 17}}}\n"),
         run,
         2,
         {"w.yaml:3:", "field 'layers[0].bits.ifmap.bits'", "got 17"}},
        {"workload", "no layers", {{"w.yaml", "name: w\nlayers: []\n"}}, run, 2, {"w.yaml:", "field 'layers'"}},
        {"workload",
         "groups not dividing C",
         net("  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, groups: 2}\n"),
         run,
         2,
         {"w.yaml:3:", "field 'layers[0].groups'"}},
        {"workload",
         "missing .npy",
         net("  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, data: {ifmap: {file: no.npy}}}\n"),
         run,
         2,
         {"w.yaml:3:", "field 'layers[0].data.ifmap.file'", "'no.npy'"}},
        {"workload", "a directory", {}, "run --arch {arch} --workload {d}", 2, {"is a directory"}},
    };
}

std::vector<BadCase> csv_npy_onnx_cases() {
    const std::string head =
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";
    const std::string csv = "run --arch {arch} --layers all --workload {d}/t.csv";
    const std::string npy_run = "run --arch {arch} --layers all --workload {d}/w.yaml";
    auto with_npy = [](const std::string& file, const std::string& bytes) {
        std::vector<std::pair<std::string, std::string>> f = {
            {"w.yaml", "name: w\nlayers:\n  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, data: {ifmap: {file: " +
                           file + "}}}\n"}};
        if (!bytes.empty()) f.emplace_back(file, bytes);
        return f;
    };
    const std::string onnx_run = "run --layers all --workload {d}/m.onnx";
    return {
        {"csv", "bad header", {{"t.csv", "Name, H\n"}}, csv, 2, {"t.csv:1:", "field 'header'"}},
        {"csv",
         "rows of 1048576 (count overflow)",
         {{"t.csv", head + "L1, 1048576, 1048576, 1048576, 1048576, 1048576, 1048576, 1,\n"}},
         csv,
         2,
         {"t.csv", "layer L1", "more than 2^64"}},
        {"csv",
         "text for a number",
         {{"t.csv", head + "L1, 8, 8, 3, 3, three, 4, 1,\n"}},
         csv,
         2,
         {"t.csv:2:", "field 'Channels'", "'three'"}},
        {"csv", "zero", {{"t.csv", head + "L1, 8, 8, 3, 3, 0, 4, 1,\n"}}, csv, 2, {"t.csv:2:", "field 'Channels'"}},
        {"csv",
         "duplicate layer names",
         {{"t.csv", head + "L1, 8, 8, 3, 3, 3, 4, 1,\nL1, 8, 8, 3, 3, 3, 4, 1,\n"}},
         csv,
         2,
         {"t.csv:3:", "field 'Layer name'", "'L1' (line 2) again"}},
        {"csv", "empty file", {{"t.csv", ""}}, csv, 2, {"t.csv", "header"}},
        {"csv",
         "control character in a name",
         {{"t.csv", head + "L\x01, 8, 8, 3, 3, 3, 4, 1,\n"}},
         csv,
         2,
         {"t.csv", "field 'layers[0].name'", "0x01"}},
        {"npy",
         "truncated data",
         with_npy("x.npy", npy("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 3, 8, 8), }", "abc")),
         npy_run,
         2,
         {"x.npy", "truncated data"}},
        {"npy",
         "header claiming 10^12 values",
         with_npy("x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", "")),
         npy_run,
         2,
         {"x.npy", "truncated data", "4000000000000 bytes"}},
        {"npy", "an endless device", with_npy("/dev/zero", ""), npy_run, 2, {"/dev/zero", "not a regular file"}},
        {"npy", "bad magic", with_npy("x.npy", "NOTNUMPY................"), npy_run, 2, {"x.npy", "magic string"}},
        {"npy",
         "Fortran order",
         with_npy("x.npy",
                  npy("{'descr': '|i1', 'fortran_order': True, 'shape': (1, 3, 8, 8), }", std::string(192, '\0'))),
         npy_run,
         2,
         {"x.npy", "field 'fortran_order'"}},
        {"onnx", "junk bytes", {{"m.onnx", std::string(64, '\xFF')}}, onnx_run, 2, {"m.onnx: expected an ONNX model"}},
        {"onnx", "empty file", {{"m.onnx", ""}}, onnx_run, 2, {"m.onnx: expected an ONNX model"}},
        {"onnx",
         "scalar Conv weight",
         {{"m.onnx", onnx_conv({})}},
         onnx_run,
         2,
         {"m.onnx: node 'conv1' (Conv)", "got []"}},
        {"onnx",
         "weight count wrapping to 0",
         {{"m.onnx", onnx_conv({int64_t{1} << 32, int64_t{1} << 32, 1, 1})}},
         onnx_run,
         2,
         {"m.onnx: node 'conv1' (Conv)", "at most 4294967296 elements"}},
    };
}

std::vector<BadCase> command_line_cases() {
    const std::string run = "run --arch {arch} --workload {net} --layers all";
    const std::string sweep = "sweep --arch {arch} --workload {net} --dataflows rs --no-plots --jobs 1 --out {out}/s";
    return {
        {"cli", "--batch 0", {}, run + " --batch 0", 2, {"dfsim: error: command line: --batch"}},
        {"cli", "--batch 99999", {}, run + " --batch 99999", 2, {"command line: --batch"}},
        {"cli", "--seed -1", {}, run + " --seed -1", 2, {"field '--seed'", "got '-1'"}},
        {"cli",
         "20-digit --seed",
         {},
         run + " --seed 99999999999999999999",
         2,
         {"field '--seed'", "got 99999999999999999999"}},
        {"cli",
         "--layers ''",
         {},
         "run --arch {arch} --workload {net} --layers ''",
         2,
         {"field '--layers'", "empty entry"}},
        {"cli",
         "--layers A,",
         {},
         "run --arch {arch} --workload {net} --layers A,",
         2,
         {"field '--layers'", "empty entry"}},
        {"cli", "--dataflow xyz", {}, run + " --dataflow xyz", 2, {"field '--dataflow'", "'xyz'"}},
        {"cli", "--timing fast", {}, run + " --timing fast", 2, {"command line: --timing"}},
        {"cli",
         "same file for --json and --csv",
         {},
         run + " --json {out}/r --csv {out}/r",
         2,
         {"field '--csv'", "--json's"}},
        {"cli",
         "same file for --csv and --html",
         {},
         run + " --csv {out}/r --html {out}/./r",
         2,
         {"field '--html'", "--csv's"}},
        {"cli",
         "--max-memory below the layer",
         {},
         run + " --max-memory 1K",
         2,
         {"layer A would need about", "--max-memory"}},
        {"cli", "--max-memory text", {}, run + " --max-memory lots", 2, {"field '--max-memory'", "'lots'"}},
        {"cli", "non-UTF-8 file name", {}, "run --arch {arch} --workload {d}/w\xFF.yaml", 2, {"UTF-8"}},
        {"cli", "sweep --bits 0", {}, sweep + " --bits 0", 2, {"field '--bits'", "got 0"}},
        {"cli", "sweep --bits 99", {}, sweep + " --bits 99", 2, {"field '--bits'", "got 99"}},
        {"cli", "sweep --batch 0", {}, sweep + " --batch 0", 2, {"field '--batch'", "got 0"}},
        {"cli", "sweep --batch 99999", {}, sweep + " --batch 99999", 2, {"field '--batch'", "got 99999"}},
        {"cli",
         "sweep --set under a scalar",
         {},
         sweep + " --set clock_mhz.x=5",
         2,
         {"field '--set'", "'clock_mhz' is a value"}},
        {"cli", "sweep --set hexadecimal", {}, sweep + " --set pe_array.rows=0x0C", 2, {"pe_array.rows", "'0x0C'"}},
        {"cli", "sweep --seed -1", {}, sweep + " --seed -1", 2, {"field '--seed'"}},
        {"cli",
         "sweep of a million points",
         {},
         sweep + " --model analytical --glb-kb " +
             [] {
                 std::string v;
                 for (int i = 1; i <= 1000; ++i) {
                     if (i > 1) v += ',';
                     v += std::to_string(i);
                 }
                 return v + " --batch " + v;
             }(),
         2,
         {"1000000 points", "--yes"}},
    };
}

std::vector<BadCase> output_cases() {
    const std::string run = "run --arch {arch} --workload {net} --layers all";
    return {
        {"output", "--html a directory", {}, run + " --html {out}", 4, {"cannot write ", "it is a directory"}},
        {"output", "--csv a directory", {}, run + " --csv {d}", 4, {"it is a directory"}},
        {"output", "--json under /proc", {}, run + " --json /proc/dfsim.json", 4, {"cannot write /proc/dfsim.json: "}},
        {"output",
         "--json under /dev/null",
         {},
         run + " --json /dev/null/x.json",
         4,
         {"cannot write /dev/null/x.json: /dev/null is not a directory"}},
        {"output",
         "--json in a missing folder",
         {},
         run + " --json {out}/no/such/r.json",
         2,
         {"field '--json': expected a file in an existing folder, but the folder ", "/no/such does not exist"}},
        {"output", "--json onto a device", {}, run + " --json /dev/null", 4, {"not a regular file"}},
        {"output", "--trace under /proc", {}, run + " --trace /proc/dfsim.vcd", 4, {"cannot write /proc/dfsim.vcd"}},
        {"output",
         "sweep --out under a file",
         {},
         "sweep --arch {arch} --workload {net} --no-plots --out {d}/a.txt/o",
         4,
         {"a.txt"}},
    };
}

// Timeloop problem files (workload/formats/timeloop.h): a missing key, text for a number, unequal
// strides, dilation, a shape that is not a CNN layer, a folder holding a file that is no problem,
// a list naming a file that does not exist, an export format or folder that cannot be.
std::vector<BadCase> timeloop_cases() {
#define DFSIM_TL_OK "problem:\n  instance:\n    C: 4\n    M: 8\n    R: 3\n    S: 3\n    P: 6\n    Q: 6\n"
    const std::string ok = DFSIM_TL_OK;
    const std::string run = "run --arch {arch} --layers all --workload {d}/p.yaml";
    return {
        {"timeloop",
         "missing key",
         {{"p.yaml", "problem:\n  instance:\n    M: 8\n    R: 3\n    S: 3\n    P: 6\n    Q: 6\n"}},
         run,
         2,
         {"p.yaml:3:5:", "field 'problem.instance.C'", "required field is missing"}},
        {"timeloop",
         "text for a number",
         {{"p.yaml", "problem:\n  instance:\n    C: four\n    M: 8\n    R: 3\n    S: 3\n    P: 6\n    Q: 6\n"}},
         run,
         2,
         {"p.yaml:3:8:", "field 'problem.instance.C'", "'four'"}},
        {"timeloop",
         "unequal strides",
         {{"p.yaml", DFSIM_TL_OK "    Hstride: 2\n    Wstride: 1\n"}},
         run,
         2,
         {"p.yaml:10:14:", "field 'problem.instance.Wstride'", "expected the Hstride (2)"}},
        {"timeloop",
         "dilation",
         {{"p.yaml", DFSIM_TL_OK "    Wdilation: 2\n"}},
         run,
         2,
         {"p.yaml:9:16:", "field 'problem.instance.Wdilation'", "no dilated convolutions"}},
        {"timeloop",
         "a GEMM shape",
         {{"p.yaml", "problem:\n  shape: {name: gemm-ABZ}\n  instance: {M: 4, N: 4, K: 4}\n"}},
         run,
         2,
         {"p.yaml:2:", "field 'problem.shape.name'", "'gemm-ABZ'"}},
        {"timeloop",
         "inconsistent H",
         {{"p.yaml", DFSIM_TL_OK "    H: 20\n"}},
         run,
         2,
         {"p.yaml:9:8:", "field 'problem.instance.H'", "padding"}},
        {"timeloop",
         "a folder with a non-problem file",
         {{"p.yaml", ok}},  // beside net.yaml, a dfsim network
         "run --arch {arch} --layers all --workload {d}",
         2,
         {"net.yaml", "is not a Timeloop problem", "is a directory"}},
        {"timeloop",
         "a list naming a missing file",
         {{"l.yaml", "problems: [p.yaml, nothere.yaml]\n"}, {"p.yaml", ok}},
         "run --arch {arch} --layers all --workload {d}/l.yaml",
         2,
         {"nothere.yaml", "file not found"}},
        {"timeloop",
         "export to a file as the folder",
         {{"p.yaml", ok}},
         "export --format timeloop --workload {d}/p.yaml --out {d}/a.txt",
         4,
         {"a.txt"}},
    };
#undef DFSIM_TL_OK
}

class BadInputs : public TempDirTest {};

}  // namespace

TEST_F(BadInputs, EveryCaseIsAClearErrorWithItsExitCodeAndLeavesNothing) {
    std::vector<BadCase> all;
    for (auto part : {arch_cases(), arch_file_cases(), energy_mapping_cases(), spec_cases(), workload_cases(),
                      csv_npy_onnx_cases(), command_line_cases(), output_cases(), timeloop_cases()})
        all.insert(all.end(), part.begin(), part.end());
    EXPECT_GE(all.size(), 60u);
    std::map<std::string, int> per_kind;
    for (size_t i = 0; i < all.size(); ++i) {
        const BadCase& c = all[i];
        SCOPED_TRACE(c.kind + ": " + c.what);
        ++per_kind[c.kind];
        const fs::path d = dir / ("case" + std::to_string(i)), out = d / "out";
        fs::create_directories(out);
        std::ofstream(d / "a.txt") << "a plain file";
        std::ofstream(d / "net.yaml") << kNet;
        auto fill = [&](std::string t) {
            t = replace_all(t, "{d}", d.string());
            t = replace_all(t, "{out}", out.string());
            t = replace_all(t, "{arch}", src("configs/arch/eyeriss.yaml"));
            return replace_all(t, "{net}", (d / "net.yaml").string());
        };
        for (const auto& [name, text] : c.files)
            if (name[0] != '/') std::ofstream(d / name, std::ios::binary) << (name == "s.yaml" ? fill(text) : text);
        const std::string args = fill(c.args);
        std::vector<std::string> before;
        for (const auto& e : fs::recursive_directory_iterator(d)) before.push_back(e.path().string());
        std::sort(before.begin(), before.end());
        const CmdResult r = dfsim(args);
        EXPECT_EQ(r.code, c.code) << r.err;
        const std::string last =
            r.err.substr(r.err.find("dfsim: error: ") == std::string::npos ? 0 : r.err.find("dfsim: error: "));
        EXPECT_EQ(last.rfind("dfsim: error: ", 0), 0u) << r.err;
        EXPECT_EQ(std::count(last.begin(), last.end(), '\n'), 1) << r.err;  // one line
        for (const std::string& e : c.expect)
            EXPECT_NE(r.err.find(e), std::string::npos) << "'" << e << "' in " << r.err;
        std::vector<std::string> after;
        for (const auto& e : fs::recursive_directory_iterator(d)) after.push_back(e.path().string());
        std::sort(after.begin(), after.end());
        EXPECT_EQ(after, before) << "left behind in " << d;
        EXPECT_TRUE(r.out.empty() || r.out.find("dfsim: ") == std::string::npos) << r.out;
    }
    for (const auto& [kind, n] : per_kind) std::cout << "bad-input corpus: " << kind << " " << n << " cases\n";
}

// Extreme but legal: a workload of 5000 tiny layers (every name unique, the checks linear in the
// layers) scored by the analytical model, and an architecture file with a 50 MB comment, run on
// a tiny layer. Both finish, each within 20 s; the peak memory of the largest child is printed
// (getrusage: the maximum over the children so far).
TEST_F(BadInputs, ExtremeButLegalInputsRun) {
    const double slack = std::getenv("DFSIM_TEST_BINARY") ? 5 : 1;  // the sanitizer step's -O0 ASan binary
    std::string net = "name: many\nlayers:\n";
    for (int i = 0; i < 5000; ++i)
        net += "  - {name: L" + std::to_string(i) + ", C: 2, H: 4, W: 4, M: 2, R: 3, S: 3}\n";
    const std::string many = write("many.yaml", net);
    std::string arch = slurp_file(src("configs/arch/eyeriss.yaml"));
    arch += "# " + std::string(50u << 20, 'x') + "\n";
    const std::string big = write("big.yaml", arch);
    const std::string tiny = write("tiny.yaml", kNet);
    const struct {
        std::string what, args;
    } cases[] = {
        {"5000 layers, analytical", "sweep --arch " + src("configs/arch/eyeriss.yaml") + " --workload " + many +
                                        " --layers all --dataflows rs --model analytical --no-plots --jobs 1 --out " +
                                        (dir / "sweep").string()},
        {"50 MB comment", "run --arch " + big + " --workload " + tiny},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        const auto t0 = std::chrono::steady_clock::now();
        const CmdResult r = dfsim(c.args);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_EQ(r.code, 0) << r.err;
        EXPECT_LT(s, 20.0 * slack);
        rusage ru{};
        getrusage(RUSAGE_CHILDREN, &ru);
        std::cout << "extreme input: " << c.what << ": " << s << " s, peak RSS of the children so far "
                  << ru.ru_maxrss / 1024 << " MiB\n";
        EXPECT_LT(ru.ru_maxrss / 1024, 512 * slack);
    }
}

// The memory guard's estimate (sim/simulator.h estimate_layer_memory), by hand: a layer of N=1,
// C=2, 5x5, M=3, 3x3 has 50 ifmap, 54 filter and 27 output words; 4 bytes each, ifmap and filter
// twice, output four times: 4 * (100 + 108 + 108) = 1264 bytes, plus the GLB and the base.
TEST(ResourceGuards, MemoryEstimateIsTheTensorsCountedByHand) {
    dfsim::Layer l;
    l.name = std::string(1, 'L');  // not = "L": GCC 12 warns of a false -Wrestrict on that here
    l.shape = dfsim::LayerShape{1, 2, 5, 5, 3, 3, 3};
    dfsim::ArchParams a;
    a.glb.size_bytes = 1000;
    EXPECT_EQ(dfsim::estimate_layer_memory(l, a, dfsim::RunModel::Simulation), 1264 + 1000 + dfsim::kProcessBaseBytes);
    EXPECT_EQ(dfsim::estimate_layer_memory(l, a, dfsim::RunModel::Analytical), 1000 + dfsim::kProcessBaseBytes);
}

// The rough time, by hand: 2 * 3 * 3x3 * 3x3 * 1 = 486 MACs a layer (E=F=3); two conv layers
// and one pool (not counted): 972 MACs at 1e9 MACs/s (pass) or 3e7 (cycle); analytical 2 ms a layer.
TEST(ResourceGuards, RoughTimeIsTheMacsAtTheModelsSpeed) {
    dfsim::Network net;
    dfsim::Layer c;
    c.shape = dfsim::LayerShape{1, 2, 5, 5, 3, 3, 3};
    dfsim::Layer p = c;
    p.type = dfsim::LayerType::Pool;
    net.layers = {c, p, c};
    EXPECT_DOUBLE_EQ(dfsim::rough_simulation_seconds(net, dfsim::RunModel::Simulation, dfsim::Timing::Pass), 972 / 1e9);
    EXPECT_DOUBLE_EQ(dfsim::rough_simulation_seconds(net, dfsim::RunModel::Simulation, dfsim::Timing::Cycle),
                     972 / 3e7);
    EXPECT_DOUBLE_EQ(dfsim::rough_simulation_seconds(net, dfsim::RunModel::Analytical, dfsim::Timing::Pass), 0.004);
}

// The guard's estimate holds above what a run takes: a 1x1 layer whose tensors dominate (64 x
// 256 x 256 ifmap and output, 4.2 M words each) is run alone and its peak RSS (wait4) is compared
// with the estimate, and --max-memory just below the estimate refuses it (exit 2) before it runs.
TEST_F(BadInputs, MemoryEstimateCoversThePeakOfARun) {
    const std::string w =
        write("big.yaml", "name: big\nlayers:\n  - {name: B, C: 64, H: 256, W: 256, M: 64, R: 1, S: 1}\n");
    dfsim::Layer l;
    l.shape = dfsim::LayerShape{1, 64, 256, 256, 64, 1, 1};
    const dfsim::ArchParams a = dfsim::load_arch(src("configs/arch/eyeriss.yaml"));
    const uint64_t estimate = dfsim::estimate_layer_memory(l, a, dfsim::RunModel::Simulation);
    std::vector<std::string> args = {dfsim_binary(), "run", "--workload", w, "--layers", "all"};
    std::vector<char*> argv;
    for (std::string& x : args) argv.push_back(x.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const int fd = ::open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, STDOUT_FILENO), dup2(fd, STDERR_FILENO);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    rusage ru{};
    ASSERT_EQ(wait4(pid, &status, 0, &ru), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const uint64_t peak = static_cast<uint64_t>(ru.ru_maxrss) * 1024;
    std::cout << "1x1 layer, 4.2 M-word tensors: peak RSS " << (peak >> 20) << " MiB, estimate " << (estimate >> 20)
              << " MiB\n";
    if (!std::getenv("DFSIM_TEST_BINARY")) {  // ASan's shadow memory is not estimated
        EXPECT_LE(peak, estimate);
    }
    const CmdResult r = dfsim("run --workload " + w + " --layers all --max-memory " + std::to_string(estimate - 1));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("layer B would need about"), std::string::npos) << r.err;
}
