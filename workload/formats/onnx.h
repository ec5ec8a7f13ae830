// ONNX models (onnx.ai; read with the protobuf classes of Debian's libonnx-dev, ONNX 1.12) as
// dfsim workloads: convolutions and fully-connected layers, quantized or float, with pools and
// residual adds, as PyTorch exports them (opsets 11-19).
//
// Supported nodes (default domain only), in the graph's order from its one data input (a layer
// that does not read the layer before it names its source in Layer::inputs):
//   QLinearConv, QLinearMatMul        integer (uint8/int8) layers; their scales and zero points map
//                                     exactly onto dfsim's formats and requantization (below)
//   Conv, Gemm, MatMul                float layers; weights/bias from initializers, or from a
//                                     DequantizeLinear of initializers (QDQ format)
//   QuantizeLinear, DequantizeLinear  around the layers (QDQ); on initializers they are folded
//   BatchNormalization                folded into the float Conv before it (its only reader):
//                                     weights and bias scaled before quantization (fold_batch_norm)
//   Relu, Clip(0, max)                folded into the preceding layer's requantization; a Clip's
//                                     max (ReLU6) caps its calibrated range (Requant::clip)
//   Add                               of two float layer outputs of one shape: an add layer
//                                     (host work) naming both; a Relu after it is its own
//   MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool
//                                     dfsim pool layers (host work)
//   Flatten (axis 1), Reshape to [N, C*H*W]   before an FC layer
//   Identity, Dropout                 pass-through; Constant: a constant
//   Softmax, LogSoftmax               only at the end: left out, with a note
//   MatMul on a sequence [N, L, K] (a 3-D data input) with constant weights [K, Ncols]: a gemm
//                                     layer (M = L); MatMul of the chain's tensor and a further
//                                     FLOAT graph input ([N, M, K] x [N, K, Ncols], or per head
//                                     [N, heads, M, K] x [N, heads, K, Ncols]): a matmul layer,
//                                     operand B synthetic int8 like the ifmap (it is data)
// Anything else (LSTM, Concat, an Add of a constant or of quantized tensors, ...) is a
// ConfigError naming the node.
//
// Mapping of a quantized layer (QLinearConv, or DequantizeLinear -> Conv -> QuantizeLinear):
//   ifmap  Format{8, signed iff x is int8, zero_point = x_zero_point}; ifmap_scale = x_scale
//   filter Format{8, signed iff w is int8, zero_point 0}: w_zero_point must be 0 (the PE
//          multiplies centred operands, and a weight zero point would need a correction term
//          sum(x) * w_zp that dfsim does not model); the codes are the filter's values
//   filter_scale = w_scale per output channel (a per-tensor scale repeated)
//   bias   = B (int32). A float bias (QDQ) is quantized as ONNX Runtime does:
//          round_half_even(b / (x_scale * w_scale[m])), zero point 0
//   requant  multiplier_m / 2^shift_m = x_scale * w_scale[m] / y_scale (fixed_multiplier;
//          scalar when w_scale is per-tensor), out Format{8, signed iff y is int8, y_zero_point},
//          relu if a Relu follows the layer
// Float layers (float initializers, no QuantizeLinear after them): weights are quantized per
// output channel, symmetric int8 (quant/quantize.h), filter_scale = their scales; the input of
// every such layer is taken as int8 with scale 1/127 (values in [-1, 1]; uint8 and 1/255 after a
// ReLU), which is also the scale the bias is quantized with; the output scale is calibrated on
// the data when the layer runs (requant auto, quant/calibrate.h), out int8 (uint8 after a ReLU).
//
// Shapes: the data input is [N, C, H, W] (or [N, K] for an MLP, [N, L, K] for a sequence) with
// static sizes; further inputs are only a MatMul's second operand; a symbolic
// batch dimension (e.g. "N", "batch_size") means batch 1 (with a note; --batch sets it). A
// symbolic or missing size of any other dimension is an error naming the input.
// Conv/pool attributes: one stride for both axes, symmetric pads (dfsim has one padding for all
// four sides), auto_pad NOTSET/VALID (SAME_* only where it is symmetric), dilations 1, pools with
// ceil_mode 0 and count_include_pad 0 (dfsim's average divides by the in-image elements).
//
// Data: the model has no input data, so the first layer's ifmap is synthetic in the model's
// format (seeds as for a YAML workload); later layers' too, unless run with --chained.
// Little-endian hosts only (raw_data is read as it is stored).
#pragma once
#include <string>
#include <vector>

#include "workload/layer.h"

namespace dfsim {

// Loads the model at `path` as a Network (name: the file's stem). Either the whole network, or
// a ConfigError naming the file, the node (name and op type) or input, and what was expected.
Network load_onnx(const std::string& path);

// BatchNormalization (inference) folded into the convolution before it, in floating point before
// the weights are quantized: y = gamma * (conv(x) + b - mean) / sqrt(var + epsilon) + beta is the
// convolution with weights[m][...] * a[m] and bias (b[m] - mean[m]) * a[m] + beta[m], where
// a[m] = gamma[m] / sqrt(var[m] + epsilon). `weights` is [M][...] row-major; `bias` has M
// values, or is empty (no bias: zeros) and gets M.
void fold_batch_norm(std::vector<double>& weights, std::vector<double>& bias, const std::vector<double>& gamma,
                     const std::vector<double>& beta, const std::vector<double>& mean, const std::vector<double>& var,
                     double epsilon);

}  // namespace dfsim
