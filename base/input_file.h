// Opening the files users name as input (configs, workloads, .npy tensors, ONNX models): what a
// path that is not a readable regular file gets as its error, in one place, before any byte is
// read (a directory, a device such as /dev/zero or a pipe would never end or mean nothing).
#pragma once
#include <cstdint>
#include <string>

namespace dfsim {

// The size in bytes of the regular file at `path`; a ConfigError naming the path otherwise:
// "file not found", "is a directory, expected a file", "is not a regular file ...".
uint64_t check_input_file(const std::string& path);

// The whole content of the regular file at `path` (check_input_file's errors, and "cannot open
// file for reading").
std::string read_input_file(const std::string& path);

}  // namespace dfsim
