// Dense 4-D tensors (row-major, last index fastest): Tensor4 of int32 values, FloatTensor of
// float values. Operands of any width up to 32 bits are held as int32; their width is metadata
// of the layer, not of the container. A FloatTensor holds real-valued data (a .npy file, a float
// model's weights) before quantization (quant/quantize.h).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "base/error.h"

namespace dfsim {

struct Tensor4 {
    std::array<int, 4> dim{0, 0, 0, 0};
    std::vector<int32_t> data;

    Tensor4() = default;
    Tensor4(int d0, int d1, int d2, int d3) : dim{d0, d1, d2, d3}, data(static_cast<size_t>(d0) * d1 * d2 * d3, 0) {}
    size_t index(int i0, int i1, int i2, int i3) const {
        return ((static_cast<size_t>(i0) * dim[1] + i1) * dim[2] + i2) * dim[3] + i3;
    }
    int32_t& at(int i0, int i1, int i2, int i3) { return data[index(i0, i1, i2, i3)]; }
    int32_t at(int i0, int i1, int i2, int i3) const { return data[index(i0, i1, i2, i3)]; }
    size_t size() const { return data.size(); }
    bool operator==(const Tensor4&) const = default;
};

struct FloatTensor {
    std::array<int, 4> dim{0, 0, 0, 0};
    std::vector<float> data;

    FloatTensor() = default;
    FloatTensor(int d0, int d1, int d2, int d3)
        : dim{d0, d1, d2, d3}, data(static_cast<size_t>(d0) * d1 * d2 * d3, 0.0f) {}
    size_t index(int i0, int i1, int i2, int i3) const {
        return ((static_cast<size_t>(i0) * dim[1] + i1) * dim[2] + i2) * dim[3] + i3;
    }
    float& at(int i0, int i1, int i2, int i3) { return data[index(i0, i1, i2, i3)]; }
    float at(int i0, int i1, int i2, int i3) const { return data[index(i0, i1, i2, i3)]; }
    size_t size() const { return data.size(); }
    bool operator==(const FloatTensor&) const = default;
};

}  // namespace dfsim
