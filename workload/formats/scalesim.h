// SCALE-Sim's topology CSV (A. Samajdar et al., "SCALE-Sim: Systolic CNN Accelerator Simulator",
// arXiv:1811.02883; github.com/ARM-software/SCALE-Sim, topologies/*.csv), so users can run the
// same networks in both simulators:
//   Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
// one layer per row. SCALE-Sim's IFMAP sizes already include any padding; it has no groups.
#pragma once
#include <string>

#include "workload/layer.h"

namespace dfsim {

// A workload from a topology CSV: conv layers (fc where the filter covers the whole ifmap),
// padding 0, batch 1, int8 operands, synthetic data with fixed per-layer seeds, no
// requantization. Throws ConfigError naming file, line, column and field.
Network load_scalesim_csv(const std::string& path);
Network load_scalesim_csv_text(const std::string& text, const std::string& name);

// The conv and fc layers of `net` as a topology CSV: padding folded into the IFMAP size, a
// grouped layer as one row per group ("<name>_g<k>", its channels and filters), batch dropped
// (SCALE-Sim simulates one image). Other layer types have no row; their names go to `skipped`.
// Throws UserError for a layer name with a comma, a double quote or a line break: SCALE-Sim's
// readers split at commas and take no quotes, so such a name has no faithful row.
std::string to_scalesim_csv(const Network& net, std::string* skipped = nullptr);

}  // namespace dfsim
