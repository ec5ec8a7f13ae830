#include "workload/formats/npy.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>
#include <utility>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/input_file.h"

namespace dfsim {

namespace {

const char kMagic[] = "\x93NUMPY";  // 6 bytes
constexpr size_t kMagicLen = 6;
constexpr size_t kAlign = 64;  // numpy pads the header so that the data starts 64-byte aligned
const char* kSupported = "<f4 <f8 |i1 |u1 <i2 <u2 <i4 <u4 <i8 <u8 |b1";

struct Dtype {
    const char* name;  // without byte order
    int size;  // bytes
    char kind;  // f (float), i (signed), u (unsigned), b (bool)
};
constexpr Dtype kDtypes[] = {{"f4", 4, 'f'}, {"f8", 8, 'f'}, {"i1", 1, 'i'}, {"u1", 1, 'u'},
                             {"i2", 2, 'i'}, {"u2", 2, 'u'}, {"i4", 4, 'i'}, {"u4", 4, 'u'},
                             {"i8", 8, 'i'}, {"u8", 8, 'u'}, {"b1", 1, 'b'}};

[[noreturn]] void fail(const std::string& path, const std::string& field, const std::string& msg) {
    throw ConfigError(path, field, 0, 0, msg);
}

// A parsed file: header fields and where its data starts.
struct Npy {
    std::string path;
    Dtype dtype{};
    std::string descr;  // as in the file, e.g. '<f4'
    std::vector<int64_t> shape;
    size_t count = 0;  // number of values
    std::string bytes;  // the whole file
    size_t data_offset = 0;
};

// The header's Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// Only what numpy writes is accepted: string keys, a string descr, True/False and a tuple of
// non-negative integers (an 'L' suffix, as Python 2 wrote it, is allowed).
class HeaderParser {
public:
    HeaderParser(const std::string& path, const std::string& text) : m_path(path), m_s(text) {}

    void parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
        bool have_descr = false, have_fortran = false, have_shape = false;
        skip_ws();
        expect('{');
        for (;;) {
            skip_ws();
            if (peek() == '}') break;
            const std::string key = parse_string();
            skip_ws();
            expect(':');
            skip_ws();
            if (key == "descr") {
                if (peek() == '[')
                    fail(m_path, "descr",
                         "structured dtypes (record arrays) are not supported; expected one of " +
                             std::string(kSupported));
                descr = parse_string();
                have_descr = true;
            } else if (key == "fortran_order") {
                fortran = parse_bool();
                have_fortran = true;
            } else if (key == "shape") {
                shape = parse_shape();
                have_shape = true;
            } else {
                malformed("unknown key '" + key + "' (expected descr, fortran_order, shape)");
            }
            skip_ws();
            if (peek() == ',')
                ++m_i;
            else if (peek() != '}')
                malformed("expected ',' or '}'");
        }
        if (!have_descr || !have_fortran || !have_shape)
            malformed(std::string("missing key '") +
                      (!have_descr     ? "descr"
                       : !have_fortran ? "fortran_order"
                                       : "shape") +
                      "'");
    }

private:
    char peek() const { return m_i < m_s.size() ? m_s[m_i] : '\0'; }
    void skip_ws() {
        while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t' || m_s[m_i] == '\n' || m_s[m_i] == '\r')) ++m_i;
    }
    [[noreturn]] void malformed(const std::string& what) const {
        std::string text = m_s.substr(0, 120);
        while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
        for (char& c : text)
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = '?';
        fail(m_path, "",
             "malformed .npy header: " + what + " at character " + std::to_string(m_i + 1) + " of the header \"" +
                 text + (m_s.size() > 120 ? "..." : "") + "\"");
    }
    void expect(char c) {
        if (peek() != c) malformed(std::string("expected '") + c + "'");
        ++m_i;
    }
    std::string parse_string() {
        const char q = peek();
        if (q != '\'' && q != '"') malformed("expected a quoted string");
        const size_t end = m_s.find(q, m_i + 1);
        if (end == std::string::npos) malformed("unterminated string");
        std::string v = m_s.substr(m_i + 1, end - m_i - 1);
        m_i = end + 1;
        return v;
    }
    bool parse_bool() {
        if (m_s.compare(m_i, 4, "True") == 0) {
            m_i += 4;
            return true;
        }
        if (m_s.compare(m_i, 5, "False") == 0) {
            m_i += 5;
            return false;
        }
        malformed("expected True or False");
    }
    std::vector<int64_t> parse_shape() {
        std::vector<int64_t> shape;
        expect('(');
        for (;;) {
            skip_ws();
            if (peek() == ')') break;
            if (peek() < '0' || peek() > '9') malformed("expected a non-negative integer in the shape");
            int64_t v = 0;
            while (peek() >= '0' && peek() <= '9') {
                if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) malformed("shape dimension too large");
                v = v * 10 + (m_s[m_i++] - '0');
            }
            if (peek() == 'L') ++m_i;
            shape.push_back(v);
            skip_ws();
            if (peek() == ',')
                ++m_i;
            else if (peek() != ')')
                malformed("expected ',' or ')' in the shape");
        }
        ++m_i;
        return shape;
    }

    const std::string& m_path;
    const std::string& m_s;
    size_t m_i = 0;
};

// Maps a descr to a supported dtype or explains why it is not one.
Dtype parse_descr(const std::string& path, const std::string& descr) {
    const std::string expected = "; expected one of " + std::string(kSupported);
    if (descr.size() < 2) fail(path, "descr", "unsupported dtype '" + descr + "'" + expected);
    const char order = descr[0];
    const std::string code = descr.substr(1);
    if (order != '<' && order != '>' && order != '|' && order != '=')
        fail(path, "descr", "unsupported dtype '" + descr + "' (no byte order)" + expected);
    for (const Dtype& d : kDtypes) {
        if (code != d.name) continue;
        if (d.size == 1) return d;  // byte order is meaningless for one byte
        if (order == '<' || (order == '=' && std::endian::native == std::endian::little)) return d;
        if (order == '>' || order == '=')
            fail(path, "descr",
                 "big-endian dtype '" + descr + "' is not supported; expected little-endian '<" + code + "'");
        fail(path, "descr", "dtype '" + descr + "' has no byte order" + expected);
    }
    std::string what;
    switch (code[0]) {
        case 'c':
            what = " (complex)";
            break;
        case 'O':
            what = " (Python objects)";
            break;
        case 'U':
        case 'S':
        case 'a':
            what = " (strings)";
            break;
        case 'V':
            what = " (raw bytes or records)";
            break;
        case 'M':
        case 'm':
            what = " (dates or times)";
            break;
        case 'f':
            what = " (this float width)";
            break;
        case 'i':
        case 'u':
            what = " (this integer width)";
            break;
        default:
            break;
    }
    fail(path, "descr", "unsupported dtype '" + descr + "'" + what + expected);
}

Npy parse_file(const std::string& path) {
    Npy a;
    a.path = path;
    // sizes come from the header and are checked against the file's size before the data is read
    const uint64_t fsize = check_input_file(path);  // a regular file: not /dev/zero, not a pipe
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "", "cannot open file for reading");
    const auto read_to = [&](uint64_t n) {  // a.bytes: the file's first min(n, fsize) bytes
        n = std::min(n, fsize);
        const size_t old = a.bytes.size();
        if (old >= n) return;
        a.bytes.resize(static_cast<size_t>(n));
        in.read(a.bytes.data() + old, static_cast<std::streamsize>(n - old));
        if (static_cast<uint64_t>(in.gcount()) != n - old) fail(path, "", "error reading file (did it change?)");
    };
    read_to(kMagicLen + 2 + 4);  // magic, version, header length
    const std::string& b = a.bytes;
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
    if (b.size() < kMagicLen || b.compare(0, kMagicLen, kMagic, kMagicLen) != 0)
        fail(path, "", "not a .npy file: expected the magic string \\x93NUMPY at the start");
    if (b.size() < kMagicLen + 2) fail(path, "", "truncated .npy file: no format version after the magic string");
    const int major = byte(6), minor = byte(7);
    if (major < 1 || major > 3 || minor != 0)
        fail(path, "",
             "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                 "; expected 1.0, 2.0 or 3.0");
    const size_t len_bytes = major == 1 ? 2 : 4;  // header length: uint16 in 1.0, uint32 since 2.0
    const size_t header_start = kMagicLen + 2 + len_bytes;
    if (b.size() < header_start) fail(path, "", "truncated .npy file: no header length");
    size_t header_len = 0;
    for (size_t i = 0; i < len_bytes; ++i) header_len |= size_t{byte(kMagicLen + 2 + i)} << (8 * i);
    if (fsize - header_start < header_len)
        fail(path, "",
             "truncated .npy header: " + std::to_string(header_len) + " bytes announced, " +
                 std::to_string(fsize - header_start) + " in the file");
    a.data_offset = header_start + header_len;
    read_to(a.data_offset);

    bool fortran = false;
    HeaderParser(path, b.substr(header_start, header_len)).parse(a.descr, fortran, a.shape);
    a.dtype = parse_descr(path, a.descr);
    if (fortran)
        fail(path, "fortran_order",
             "Fortran-order (column-major) arrays are not supported; expected C order "
             "(save np.ascontiguousarray(a))");
    if (a.shape.size() > 4)
        fail(path, "shape", "array has " + std::to_string(a.shape.size()) + " dimensions; expected at most 4");
    // count = product of the dimensions, checked against overflow and against the file size
    size_t count = 1;
    bool overflow = false;
    for (int64_t d : a.shape) {
        if (d != 0 && count > std::numeric_limits<size_t>::max() / static_cast<uint64_t>(d)) overflow = true;
        count *= static_cast<size_t>(d);
    }
    const size_t have = static_cast<size_t>(fsize) - a.data_offset;
    if (overflow || count > have / static_cast<size_t>(a.dtype.size))
        fail(path, "",
             "truncated data: the header's shape and dtype '" + a.descr + "' need " +
                 (overflow ? std::string("more") : std::to_string(count * a.dtype.size)) + " bytes, the file has " +
                 std::to_string(have) + " after the header");
    if (have != count * a.dtype.size)
        fail(path, "",
             "the file has " + std::to_string(have - count * a.dtype.size) +
                 " bytes after the data its header describes; expected none");
    a.count = count;
    read_to(fsize);
    return a;
}

// Little-endian load of a T (integer or float) from unaligned bytes, on any host.
template <class T>
T load_le(const unsigned char* p) {
    using U = std::conditional_t<
        sizeof(T) == 1, uint8_t,
        std::conditional_t<sizeof(T) == 2, uint16_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
    U u = 0;
    for (size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(static_cast<U>(p[i]) << (8 * i));
    return std::bit_cast<T>(u);
}

template <class T>
void store_le(std::string& out, T v) {
    using U = std::conditional_t<
        sizeof(T) == 1, uint8_t,
        std::conditional_t<sizeof(T) == 2, uint16_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
    const U u = std::bit_cast<U>(v);
    for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xFF));
}

// Calls f(i, v) for every value, v of the file's C++ type (bool as uint8_t 0/1).
template <class F>
void for_each_value(const Npy& a, F&& f) {
    const auto* p = reinterpret_cast<const unsigned char*>(a.bytes.data()) + a.data_offset;
    const std::string name = a.dtype.name;
    const auto each = [&]<class T>(T*) {
        for (size_t i = 0; i < a.count; ++i) f(i, load_le<T>(p + i * sizeof(T)));
    };
    if (name == "f4")
        each(static_cast<float*>(nullptr));
    else if (name == "f8")
        each(static_cast<double*>(nullptr));
    else if (name == "i1")
        each(static_cast<int8_t*>(nullptr));
    else if (name == "u1")
        each(static_cast<uint8_t*>(nullptr));
    else if (name == "i2")
        each(static_cast<int16_t*>(nullptr));
    else if (name == "u2")
        each(static_cast<uint16_t*>(nullptr));
    else if (name == "i4")
        each(static_cast<int32_t*>(nullptr));
    else if (name == "u4")
        each(static_cast<uint32_t*>(nullptr));
    else if (name == "i8")
        each(static_cast<int64_t*>(nullptr));
    else if (name == "u8")
        each(static_cast<uint64_t*>(nullptr));
    else if (name == "b1")
        for (size_t i = 0; i < a.count; ++i) f(i, static_cast<uint8_t>(p[i] != 0));
    else
        DFSIM_ASSERT(false, "unhandled dtype " + name);
}

// The shape left-padded with 1s to 4 dimensions, each of which must fit an int.
std::array<int, 4> dims4(const Npy& a) {
    std::array<int, 4> dim{1, 1, 1, 1};
    const size_t pad = 4 - a.shape.size();
    for (size_t i = 0; i < a.shape.size(); ++i) {
        if (a.shape[i] > INT_MAX)
            fail(a.path, "shape",
                 "dimension " + std::to_string(a.shape[i]) + " is larger than " + std::to_string(INT_MAX));
        dim[pad + i] = static_cast<int>(a.shape[i]);
    }
    return dim;
}

std::string shape_text(const std::vector<int64_t>& shape) {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

// Header and data of a .npy file: version 1.0 (2.0 if the header does not fit 65535 bytes),
// the dict padded with spaces and ended by '\n' so that the data starts at a multiple of 64.
std::string npy_bytes(const std::string& descr, const std::vector<int64_t>& shape, const std::string& data) {
    const std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
    std::string out(kMagic, kMagicLen);
    const auto padded = [&](size_t prefix) {
        const size_t len = prefix + dict.size() + 1;  // + '\n'
        return dict + std::string((kAlign - len % kAlign) % kAlign, ' ') + "\n";
    };
    std::string header = padded(kMagicLen + 2 + 2);
    if (header.size() <= 0xFFFF) {
        out += std::string{'\x01', '\x00'};
        store_le(out, static_cast<uint16_t>(header.size()));
    } else {
        header = padded(kMagicLen + 2 + 4);
        out += std::string{'\x02', '\x00'};
        store_le(out, static_cast<uint32_t>(header.size()));
    }
    return out + header + data;
}

// The shape to write: t's dims by default, else one with the same number of elements.
std::vector<int64_t> shape_to_write(const std::string& path, const std::array<int, 4>& dim, size_t size,
                                    const std::vector<int64_t>& shape) {
    if (shape.empty()) return {dim[0], dim[1], dim[2], dim[3]};
    if (shape.size() > 4)
        fail(path, "shape",
             "shape " + shape_text(shape) + " has " + std::to_string(shape.size()) + " dimensions; expected at most 4");
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) fail(path, "shape", "shape " + shape_text(shape) + " has a negative dimension");
        if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
            fail(path, "shape", "shape " + shape_text(shape) + " is too large");
        n *= d;
    }
    if (static_cast<size_t>(n) != size)
        fail(path, "shape",
             "shape " + shape_text(shape) + " has " + std::to_string(n) + " elements; the tensor has " +
                 std::to_string(size));
    return shape;
}

}  // namespace

NpyArray read_npy(const std::string& path) {
    const Npy a = parse_file(path);
    NpyArray r;
    r.dtype = a.dtype.name;
    r.shape = a.shape;
    r.values.resize(a.count);
    for_each_value(a, [&](size_t i, auto v) { r.values[i] = static_cast<double>(v); });
    return r;
}

FloatTensor read_npy_float(const std::string& path) {
    const Npy a = parse_file(path);
    FloatTensor t;
    t.dim = dims4(a);
    t.data.resize(a.count);
    for_each_value(a, [&](size_t i, auto v) { t.data[i] = static_cast<float>(v); });
    return t;
}

Tensor4 read_npy_int(const std::string& path) {
    const Npy a = parse_file(path);
    if (a.dtype.kind == 'f')
        fail(path, "descr",
             "float dtype '" + a.descr +
                 "' where integers are expected (i1, u1, i2, u2, i4; u4, i8, u8 "
                 "if every value fits int32)");
    Tensor4 t;
    t.dim = dims4(a);
    t.data.resize(a.count);
    for_each_value(a, [&]<class T>(size_t i, T v) {
        if constexpr (std::is_integral_v<T>) {
            if (!std::in_range<int32_t>(v))
                fail(path, "",
                     "value " + std::to_string(v) + " at index " + std::to_string(i) + " (dtype '" + a.descr +
                         "') does not fit int32");
            t.data[i] = static_cast<int32_t>(v);
        }
    });
    return t;
}

void write_npy(const std::string& path, const Tensor4& t, const std::string& dtype, const std::vector<int64_t>& shape) {
    const std::vector<int64_t> s = shape_to_write(path, t.dim, t.size(), shape);
    int64_t lo = 0, hi = 0;
    int size = 0;
    if (dtype == "i1")
        lo = INT8_MIN, hi = INT8_MAX, size = 1;
    else if (dtype == "u1")
        lo = 0, hi = UINT8_MAX, size = 1;
    else if (dtype == "i2")
        lo = INT16_MIN, hi = INT16_MAX, size = 2;
    else if (dtype == "u2")
        lo = 0, hi = UINT16_MAX, size = 2;
    else if (dtype == "i4")
        lo = INT32_MIN, hi = INT32_MAX, size = 4;
    else
        fail(path, "dtype", "cannot write integer data as '" + dtype + "'; expected i1, u1, i2, u2 or i4");
    std::string data;
    data.reserve(t.size() * size);
    for (size_t i = 0; i < t.size(); ++i) {
        const int32_t v = t.data[i];
        if (v < lo || v > hi)
            fail(path, "dtype",
                 "value " + std::to_string(v) + " at index " + std::to_string(i) + " does not fit dtype '" + dtype +
                     "' [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        // the low `size` bytes of the two's complement value are the value in that dtype
        for (int k = 0; k < size; ++k) data.push_back(static_cast<char>((static_cast<uint32_t>(v) >> (8 * k)) & 0xFF));
    }
    write_file_atomic(path, npy_bytes((size == 1 ? "|" : "<") + dtype, s, data));
}

void write_npy(const std::string& path, const FloatTensor& t, const std::vector<int64_t>& shape) {
    const std::vector<int64_t> s = shape_to_write(path, t.dim, t.size(), shape);
    std::string data;
    data.reserve(t.size() * 4);
    for (float v : t.data) store_le(data, v);
    write_file_atomic(path, npy_bytes("<f4", s, data));
}

}  // namespace dfsim
