// NumPy .npy files (format versions 1.0, 2.0 and 3.0, as specified in numpy/lib/format.py):
// a magic string, a version, a little-endian header length, a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces to a multiple of
// 64 bytes and ended by '\n', then the raw values in C (row-major) order.
//
// Read: little-endian (or byte-order-free) bool, integer and float dtypes in C order with at most
// 4 dimensions; the dtype is kept without its byte-order character ("f4", "i1", ...). Every bad
// file is a ConfigError naming the file and what was expected: bad magic or version, a dtype that
// is not supported (big-endian, complex, object, structured, float16, ...), Fortran order, more
// than 4 dimensions, a truncated header or data, trailing bytes, an integer that does not fit
// int32 where int32 is required.
// Write: integer tensors as i1/u1/i2/u2/i4 and float tensors as f4, version 1.0 headers (2.0
// only for a header longer than 65535 bytes), atomically (base/atomic_file.h: missing directories
// are created; a file that cannot be written is an IoError).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/tensor.h"

namespace dfsim {

// Any supported array, values widened to double (exact for every supported dtype except i8/u8
// values beyond 2^53).
struct NpyArray {
    std::string dtype;  // f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1
    std::vector<int64_t> shape;  // 0 to 4 dimensions, as in the file
    std::vector<double> values;  // row-major
    size_t size() const { return values.size(); }
};

NpyArray read_npy(const std::string& path);

// Any supported dtype, converted to float; the shape is padded on the left with 1s to 4 dims
// ((3, 4) -> 1 x 1 x 3 x 4; a 0-d array -> 1 x 1 x 1 x 1).
FloatTensor read_npy_float(const std::string& path);

// Integer (or bool) dtypes only: a float file is an error, and so is a value outside int32 (u4,
// i8, u8 files are read if every value fits). The shape is left-padded to 4 dims.
Tensor4 read_npy_int(const std::string& path);

// Writes t as dtype i1, u1, i2, u2 or i4 (every value must fit it). The shape written defaults
// to t.dim; any other shape must have t.size() elements and at most 4 dimensions ({} is not a
// 0-d array here but the default).
void write_npy(const std::string& path, const Tensor4& t, const std::string& dtype,
               const std::vector<int64_t>& shape = {});

// Writes t as f4.
void write_npy(const std::string& path, const FloatTensor& t, const std::vector<int64_t>& shape = {});

}  // namespace dfsim
