// NumPy .npy files: files whose bytes are written here by hand from the format spec (so the reader
// and writer are checked against the spec, not only against each other), round trips of every
// dtype, every bad file as a ConfigError naming the file, and numpy itself where it is installed.
#include <gtest/gtest.h>

#include "test_util.h"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "base/error.h"
#include "workload/formats/npy.h"
#include "tests/cli_fixture.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

// A .npy file built by hand: "\x93NUMPY", major, minor 0, the header length (uint16 little-endian
// in version 1, uint32 in 2 and 3), the header dict, then data. With pad, the dict is followed
// by spaces and '\n' so that the data starts at a multiple of 64, as numpy writes it; without,
// by '\n' alone (still a valid file: readers must not depend on the padding).
std::string npy_raw(int major, const std::string& dict, const std::string& data, bool pad = true) {
    const size_t prefix = 6 + 2 + (major == 1 ? 2 : 4);
    std::string header = dict;
    if (pad)
        while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
    const size_t len = header.size();
    out += static_cast<char>(len & 0xFF);
    out += static_cast<char>((len >> 8) & 0xFF);
    if (major != 1) out += std::string{static_cast<char>((len >> 16) & 0xFF), static_cast<char>(len >> 24)};
    return out + header + data;
}

// Bytes from a list of values 0..255 (to write little-endian data by hand).
std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int x : b) s += static_cast<char>(x);
    return s;
}

std::string dict(const std::string& descr, const std::string& shape, const std::string& fortran = "False") {
    return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

class Npy : public TempDirTest {
protected:
    std::string put(const std::string& name, const std::string& content) {
        const std::string p = (dir / name).string();
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }
};

// 2 x 3 int16 values 1, -2, 300, -32768, 32767, 0, little-endian
const std::string kI2Data = bytes({0x01, 0x00, 0xFE, 0xFF, 0x2C, 0x01, 0x00, 0x80, 0xFF, 0x7F, 0x00, 0x00});
const char* kI2Dict = "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }";

}  // namespace

TEST_F(Npy, ReadsHandWrittenFilesOfEveryVersion) {
    // version 1.0, int16, padded as numpy pads: 10 + 59 + 58 spaces + '\n' = 128 bytes before the data
    const std::string f1 = npy_raw(1, kI2Dict, kI2Data);
    ASSERT_EQ(f1.size(), 128u + 12u);
    const std::string p1 = put("i2.npy", f1);
    NpyArray a = read_npy(p1);
    EXPECT_EQ(a.dtype, "i2");
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(a.values, (std::vector<double>{1, -2, 300, -32768, 32767, 0}));
    Tensor4 t = read_npy_int(p1);
    EXPECT_EQ(t.dim, (std::array<int, 4>{1, 1, 2, 3}));
    EXPECT_EQ(t.data, (std::vector<int32_t>{1, -2, 300, -32768, 32767, 0}));
    EXPECT_EQ(read_npy_float(p1).data, (std::vector<float>{1, -2, 300, -32768, 32767, 0}));

    // version 2.0 (4-byte header length), float64, double quotes, keys in another order, no padding
    // 1.5 = 0x3FF8000000000000, -0.25 = 0xBFD0000000000000, 2^-1074 = 0x0000000000000001
    const std::string f8 = bytes({0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0, 0, 0, 0, 0, 0, 0xD0, 0xBF, 1, 0, 0, 0, 0, 0, 0, 0});
    const std::string p2 =
        put("f8.npy", npy_raw(2, "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<f8\"}", f8, false));
    a = read_npy(p2);
    EXPECT_EQ(a.dtype, "f8");
    EXPECT_EQ(a.shape, (std::vector<int64_t>{3}));
    EXPECT_EQ(a.values, (std::vector<double>{1.5, -0.25, std::numeric_limits<double>::denorm_min()}));
    FloatTensor ft = read_npy_float(p2);
    EXPECT_EQ(ft.dim, (std::array<int, 4>{1, 1, 1, 3}));
    EXPECT_EQ(ft.data, (std::vector<float>{1.5f, -0.25f, 0.0f}));  // the denormal double rounds to 0 in float

    // version 3.0 (UTF-8 header), uint8 0-d array (a scalar): shape () pads to 1 x 1 x 1 x 1
    const std::string p3 = put("u1.npy", npy_raw(3, dict("|u1", "()"), bytes({200})));
    a = read_npy(p3);
    EXPECT_EQ(a.dtype, "u1");
    EXPECT_TRUE(a.shape.empty());
    EXPECT_EQ(a.values, (std::vector<double>{200}));
    t = read_npy_int(p3);
    EXPECT_EQ(t.dim, (std::array<int, 4>{1, 1, 1, 1}));
    EXPECT_EQ(t.data, (std::vector<int32_t>{200}));

    // float32 1.0 = 0x3F800000, -0.0 = 0x80000000, +inf = 0x7F800000, -3.5 = 0xC0600000
    const std::string p4 =
        put("f4.npy", npy_raw(1, dict("<f4", "(2, 2)"),
                              bytes({0, 0, 0x80, 0x3F, 0, 0, 0, 0x80, 0, 0, 0x80, 0x7F, 0, 0, 0x60, 0xC0})));
    ft = read_npy_float(p4);
    EXPECT_EQ(ft.dim, (std::array<int, 4>{1, 1, 2, 2}));
    ASSERT_EQ(ft.size(), 4u);
    EXPECT_EQ(ft.at(0, 0, 0, 0), 1.0f);
    EXPECT_TRUE(ft.data[1] == 0.0f && std::signbit(ft.data[1]));
    EXPECT_EQ(ft.data[2], std::numeric_limits<float>::infinity());
    EXPECT_EQ(ft.at(0, 0, 1, 1), -3.5f);

    // bool, int8 and uint16 as numpy writes their descr; int64 with Python 2's 'L' shape suffix
    EXPECT_EQ(read_npy_int(put("b1.npy", npy_raw(1, dict("|b1", "(2, 2)"), bytes({1, 0, 0, 1})))).data,
              (std::vector<int32_t>{1, 0, 0, 1}));
    EXPECT_EQ(read_npy_int(put("i1.npy", npy_raw(1, dict("|i1", "(1, 1, 1, 3)"), bytes({0x80, 0xFF, 0x7F})))).data,
              (std::vector<int32_t>{-128, -1, 127}));
    EXPECT_EQ(read_npy_int(put("u2.npy", npy_raw(1, dict("<u2", "(2,)"), bytes({0xFF, 0xFF, 0x34, 0x12})))).data,
              (std::vector<int32_t>{65535, 0x1234}));
    const std::string i8 = bytes({0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0xFF, 0xFF, 0xFF});
    t = read_npy_int(put("i8.npy", npy_raw(1, dict("<i8", "(2L,)"), i8)));
    EXPECT_EQ(t.data, (std::vector<int32_t>{INT32_MAX, INT32_MIN}));
    // an empty array
    a = read_npy(put("empty.npy", npy_raw(1, dict("<i4", "(0, 3)"), "")));
    EXPECT_EQ(a.shape, (std::vector<int64_t>{0, 3}));
    EXPECT_TRUE(a.values.empty());
}

TEST_F(Npy, WriterBytesFollowTheSpec) {
    Tensor4 t(1, 1, 2, 3);
    t.data = {1, -2, 300, -32768, 32767, 0};
    const std::string p = (dir / "w.npy").string();
    write_npy(p, t, "i2", {2, 3});
    EXPECT_EQ(slurp(p), npy_raw(1, kI2Dict, kI2Data));
    // default shape: the tensor's 4 dims
    write_npy(p, t, "i2");
    EXPECT_EQ(slurp(p), npy_raw(1, dict("<i2", "(1, 1, 2, 3)"), kI2Data));
    // one-byte dtypes have no byte order ('|'); a 1-D shape is written (n,)
    Tensor4 b(1, 1, 1, 3);
    b.data = {-128, -1, 127};
    write_npy(p, b, "i1", {3});
    EXPECT_EQ(slurp(p), npy_raw(1, dict("|i1", "(3,)"), bytes({0x80, 0xFF, 0x7F})));
    FloatTensor f(1, 1, 1, 2);
    f.data = {1.0f, -3.5f};
    write_npy(p, f, {2, 1});
    EXPECT_EQ(slurp(p), npy_raw(1, dict("<f4", "(2, 1)"), bytes({0, 0, 0x80, 0x3F, 0, 0, 0x60, 0xC0})));
}

TEST_F(Npy, RoundTripsEveryIntegerDtype) {
    const std::vector<std::pair<std::string, std::pair<int32_t, int32_t>>> dtypes = {{"i1", {-128, 127}},
                                                                                     {"u1", {0, 255}},
                                                                                     {"i2", {-32768, 32767}},
                                                                                     {"u2", {0, 65535}},
                                                                                     {"i4", {INT32_MIN, INT32_MAX}}};
    for (const auto& [dtype, range] : dtypes) {
        Tensor4 t(2, 3, 4, 5);
        for (size_t i = 0; i < t.size(); ++i) {
            const int64_t span = int64_t{range.second} - range.first + 1;
            t.data[i] = static_cast<int32_t>(range.first + static_cast<int64_t>(i * 7919) % span);
        }
        t.data[0] = range.first;
        t.data[1] = range.second;
        const std::string p = (dir / (dtype + ".npy")).string();
        write_npy(p, t, dtype);
        EXPECT_EQ(read_npy_int(p), t) << dtype;
        const NpyArray a = read_npy(p);
        EXPECT_EQ(a.dtype, dtype);
        EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3, 4, 5}));
        ASSERT_EQ(a.size(), t.size());
        for (size_t i = 0; i < t.size(); ++i) ASSERT_EQ(a.values[i], t.data[i]) << dtype << " " << i;
    }
}

TEST_F(Npy, RoundTripsFloat32BitForBit) {
    FloatTensor t(1, 2, 3, 4);
    for (size_t i = 0; i < t.size(); ++i)
        t.data[i] =
            static_cast<float>(std::sin(static_cast<double>(i)) * std::pow(10.0, static_cast<double>(i % 9) - 4));
    t.data[0] = -0.0f;
    t.data[1] = std::numeric_limits<float>::denorm_min();
    t.data[2] = -std::numeric_limits<float>::infinity();
    t.data[3] = std::numeric_limits<float>::quiet_NaN();
    t.data[4] = std::numeric_limits<float>::max();
    const std::string p = (dir / "f.npy").string();
    write_npy(p, t);
    const FloatTensor r = read_npy_float(p);
    EXPECT_EQ(r.dim, t.dim);
    ASSERT_EQ(r.size(), t.size());
    for (size_t i = 0; i < t.size(); ++i)
        EXPECT_EQ(std::bit_cast<uint32_t>(r.data[i]), std::bit_cast<uint32_t>(t.data[i])) << i;
    EXPECT_EQ(read_npy(p).dtype, "f4");
}

TEST_F(Npy, ShapeIsLeftPaddedToFourDims) {
    Tensor4 t(1, 1, 2, 3);
    t.data = {1, 2, 3, 4, 5, 6};
    const std::string p = (dir / "s.npy").string();
    const std::vector<std::pair<std::vector<int64_t>, std::array<int, 4>>> cases = {
        {{6}, {1, 1, 1, 6}}, {{2, 3}, {1, 1, 2, 3}}, {{3, 1, 2}, {1, 3, 1, 2}}, {{1, 6, 1, 1}, {1, 6, 1, 1}}};
    for (const auto& [shape, dims] : cases) {
        write_npy(p, t, "i4", shape);
        EXPECT_EQ(read_npy(p).shape, shape);
        const Tensor4 r = read_npy_int(p);
        EXPECT_EQ(r.dim, dims);
        EXPECT_EQ(r.data, t.data);
    }
}

TEST_F(Npy, WritesAtomically) {
    Tensor4 t(1, 1, 1, 2);
    t.data = {1, 2};
    const std::string p = (dir / "a.npy").string();
    write_npy(p, t, "i1");
    t.data = {3, 4};
    write_npy(p, t, "i1");  // replaces the file
    EXPECT_EQ(read_npy_int(p).data, (std::vector<int32_t>{3, 4}));
    // a failed write leaves the old file and no temporary file
    t.data = {3, 400};
    EXPECT_THROW(write_npy(p, t, "i1"), ConfigError);
    EXPECT_EQ(read_npy_int(p).data, (std::vector<int32_t>{3, 4}));
    for (const auto& e : std::filesystem::directory_iterator(dir))
        EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

TEST_F(Npy, BadFilesNameTheFileAndWhatWasExpected) {
    const std::string i4x3 = bytes({1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0});
    struct Case {
        std::string name, content, expected;
    };
    const std::vector<Case> cases = {
        {"text.npy", "name: not numpy\n", "expected the magic string"},
        {"magic.npy", "\x93NUMPZ" + npy_raw(1, dict("<i4", "(3,)"), i4x3).substr(6), "expected the magic string"},
        {"short.npy", std::string("\x93NUMPY", 6), "no format version"},
        {"version.npy",
         [&] {
             std::string s = npy_raw(1, dict("<i4", "(3,)"), i4x3);
             s[6] = 4;
             return s;
         }(),
         "unsupported .npy format version 4.0"},
        {"big_endian.npy", npy_raw(1, dict(">f4", "(3,)"), i4x3), "big-endian dtype '>f4'"},
        {"complex.npy", npy_raw(1, dict("<c8", "(3,)"), i4x3 + i4x3), "unsupported dtype '<c8' (complex)"},
        {"object.npy", npy_raw(1, dict("|O", "(3,)"), i4x3 + i4x3), "unsupported dtype '|O' (Python objects)"},
        {"float16.npy", npy_raw(1, dict("<f2", "(3,)"), "123456"), "unsupported dtype '<f2'"},
        {"record.npy", npy_raw(1, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (3,), }", i4x3),
         "structured dtypes"},
        {"fortran.npy", npy_raw(1, dict("<i4", "(3, 1)", "True"), i4x3), "Fortran-order"},
        {"rank5.npy", npy_raw(1, dict("<i4", "(1, 1, 1, 1, 3)"), i4x3), "5 dimensions; expected at most 4"},
        {"truncated.npy", npy_raw(1, dict("<i4", "(4,)"), i4x3), "truncated data"},
        {"huge.npy", npy_raw(1, dict("<i4", "(4294967296, 4294967296, 4294967296)"), i4x3), "truncated data"},
        {"trailing.npy", npy_raw(1, dict("<i4", "(2,)"), i4x3), "4 bytes after the data"},
        {"header.npy", npy_raw(1, dict("<i4", "(3,)"), i4x3).substr(0, 40), "truncated .npy header"},
        {"nokey.npy", npy_raw(1, "{'descr': '<i4', 'fortran_order': False}", i4x3), "missing key 'shape'"},
        {"badkey.npy", npy_raw(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), 'x': 1}", i4x3),
         "unknown key 'x'"},
        {"badshape.npy", npy_raw(1, dict("<i4", "(3, -1)"), i4x3), "expected a non-negative integer"},
    };
    for (const Case& c : cases) {
        const std::string p = put(c.name, c.content);
        for (const auto& reader : std::vector<std::function<void()>>{[&] { read_npy(p); }, [&] { read_npy_int(p); },
                                                                     [&] { read_npy_float(p); }}) {
            const std::string err = test::error_of(reader);
            EXPECT_NE(err.find(p), std::string::npos) << c.name << ": " << err;
            EXPECT_NE(err.find(c.expected), std::string::npos) << c.name << ": " << err;
        }
    }
    const std::string missing = (dir / "missing.npy").string();
    const std::string err = test::error_of([&] { read_npy(missing); });
    EXPECT_NE(err.find(missing + ": file not found"), std::string::npos) << err;
}

TEST_F(Npy, IntegerReaderRejectsFloatsAndValuesOutsideInt32) {
    const std::string f = put("f.npy", npy_raw(1, dict("<f4", "(1,)"), bytes({0, 0, 0x80, 0x3F})));
    std::string err = test::error_of([&] { read_npy_int(f); });
    EXPECT_NE(err.find(f), std::string::npos) << err;
    EXPECT_NE(err.find("float dtype '<f4' where integers are expected"), std::string::npos) << err;
    EXPECT_EQ(read_npy_float(f).data, (std::vector<float>{1.0f}));  // the float readers take it

    // int64 2^31 (second value) and uint32 2^32 - 1: read by read_npy, not by read_npy_int
    const std::string i8 =
        put("i8.npy", npy_raw(1, dict("<i8", "(2,)"), bytes({1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0})));
    err = test::error_of([&] { read_npy_int(i8); });
    EXPECT_NE(err.find(i8), std::string::npos) << err;
    EXPECT_NE(err.find("value 2147483648 at index 1 (dtype '<i8') does not fit int32"), std::string::npos) << err;
    EXPECT_EQ(read_npy(i8).values, (std::vector<double>{1, 2147483648.0}));
    const std::string u4 = put("u4.npy", npy_raw(1, dict("<u4", "(1,)"), bytes({0xFF, 0xFF, 0xFF, 0xFF})));
    err = test::error_of([&] { read_npy_int(u4); });
    EXPECT_NE(err.find("value 4294967295 at index 0"), std::string::npos) << err;
}

TEST_F(Npy, WriterRejectsBadDtypesValuesAndShapes) {
    Tensor4 t(1, 1, 2, 3);
    t.data = {1, 2, 3, 4, 5, 200};
    const std::string p = (dir / "w.npy").string();
    std::string err = test::error_of([&] { write_npy(p, t, "i1"); });
    EXPECT_NE(err.find(p), std::string::npos) << err;
    EXPECT_NE(err.find("value 200 at index 5 does not fit dtype 'i1' [-128, 127]"), std::string::npos) << err;
    t.data[5] = -1;
    err = test::error_of([&] { write_npy(p, t, "u2"); });
    EXPECT_NE(err.find("value -1 at index 5 does not fit dtype 'u2'"), std::string::npos) << err;
    err = test::error_of([&] { write_npy(p, t, "f4"); });
    EXPECT_NE(err.find("cannot write integer data as 'f4'"), std::string::npos) << err;
    err = test::error_of([&] { write_npy(p, t, "i4", {4, 2}); });
    EXPECT_NE(err.find("shape (4, 2) has 8 elements; the tensor has 6"), std::string::npos) << err;
    err = test::error_of([&] { write_npy(p, t, "i4", {1, 1, 1, 2, 3}); });
    EXPECT_NE(err.find("expected at most 4"), std::string::npos) << err;
    // a path under a regular file cannot be written: an IoError naming it
    std::ofstream(dir / "plain") << "x";
    const std::string under_file = (dir / "plain" / "dir.npy").string();
    try {
        write_npy(under_file, FloatTensor(1, 1, 1, 1));
        ADD_FAILURE() << "no IoError";
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("cannot write " + under_file + ": ", 0), 0u) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(p));
}

// numpy writes, we read; we write, numpy reads. Debian's python3 (DFSIM_PYTHON3, with numpy since
// tools/install-deps.sh installs python3-onnx); skipped where it has no numpy.
TEST_F(Npy, AgreesWithNumpy) {
    const std::string py = DFSIM_PYTHON3;
    if (std::system((py + " -c 'import numpy' >/dev/null 2>&1").c_str()) != 0)
        GTEST_SKIP() << "python3 with numpy is not installed";
    Tensor4 i2(1, 1, 2, 3);
    i2.data = {-32768, -1, 0, 1, 2, 32767};
    write_npy((dir / "ours_i2.npy").string(), i2, "i2", {2, 3});
    FloatTensor f4(1, 1, 2, 2);
    f4.data = {0.5f, -1.25f, 3.0f, 1024.0f};
    write_npy((dir / "ours_f4.npy").string(), f4);
    const std::string script = put("numpy_check.py", R"(import sys
import numpy as np
d = sys.argv[1]
np.save(d + '/i8.npy', np.arange(24, dtype=np.int64).reshape(2, 3, 4) * 1000 - 7000)
np.save(d + '/f4.npy', (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) / 4)
np.save(d + '/f8.npy', np.array([0.1, -2.0, 1e300]))
np.save(d + '/i1.npy', np.arange(-128, 128, 8, dtype=np.int8).reshape(1, 2, 4, 4))
np.save(d + '/u2.npy', np.array([0, 1, 65535], dtype=np.uint16))
np.save(d + '/b1.npy', np.array([[True, False], [False, True]]))
np.save(d + '/scalar.npy', np.float32(3.5))
np.save(d + '/fortran.npy', np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)))
np.save(d + '/big.npy', np.arange(3, dtype='>i4'))
a = np.load(d + '/ours_i2.npy')
assert a.dtype == np.int16 and a.shape == (2, 3) and a.tolist() == [[-32768, -1, 0], [1, 2, 32767]], a
b = np.load(d + '/ours_f4.npy')
assert b.dtype == np.float32 and b.shape == (1, 1, 2, 2) and b.ravel().tolist() == [0.5, -1.25, 3.0, 1024.0], b
)");
    const std::string log = (dir / "numpy.log").string();
    ASSERT_EQ(std::system((py + " " + script + " " + dir.string() + " >" + log + " 2>&1").c_str()), 0) << slurp(log);

    const Tensor4 i8 = read_npy_int((dir / "i8.npy").string());
    EXPECT_EQ(i8.dim, (std::array<int, 4>{1, 2, 3, 4}));
    for (size_t i = 0; i < i8.size(); ++i) EXPECT_EQ(i8.data[i], static_cast<int32_t>(i) * 1000 - 7000) << i;
    const FloatTensor f = read_npy_float((dir / "f4.npy").string());
    EXPECT_EQ(f.dim, (std::array<int, 4>{1, 1, 2, 3}));
    for (size_t i = 0; i < f.size(); ++i) EXPECT_EQ(f.data[i], (static_cast<float>(i) - 2.5f) / 4) << i;
    const NpyArray f8 = read_npy((dir / "f8.npy").string());
    EXPECT_EQ(f8.dtype, "f8");
    EXPECT_EQ(f8.values, (std::vector<double>{0.1, -2.0, 1e300}));
    const Tensor4 i1 = read_npy_int((dir / "i1.npy").string());
    EXPECT_EQ(i1.dim, (std::array<int, 4>{1, 2, 4, 4}));
    for (size_t i = 0; i < i1.size(); ++i) EXPECT_EQ(i1.data[i], -128 + 8 * static_cast<int32_t>(i)) << i;
    EXPECT_EQ(read_npy_int((dir / "u2.npy").string()).data, (std::vector<int32_t>{0, 1, 65535}));
    EXPECT_EQ(read_npy_int((dir / "b1.npy").string()).data, (std::vector<int32_t>{1, 0, 0, 1}));
    const NpyArray s = read_npy((dir / "scalar.npy").string());
    EXPECT_TRUE(s.shape.empty());
    EXPECT_EQ(s.values, (std::vector<double>{3.5}));
    EXPECT_NE(test::error_of([&] { read_npy((dir / "fortran.npy").string()); }).find("Fortran-order"),
              std::string::npos);
    EXPECT_NE(test::error_of([&] { read_npy((dir / "big.npy").string()); }).find("big-endian"), std::string::npos);
}
