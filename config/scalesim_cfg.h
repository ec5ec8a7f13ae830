// SCALE-Sim's architecture file (.cfg; A. Samajdar et al., "SCALE-Sim: Systolic CNN Accelerator
// Simulator", arXiv:1811.02883; SCALE-Sim v2, configs/scale.cfg): an INI file read by Python's
// configparser, e.g.
//   [general]               run_name = scale_example_run_32x32_os
//   [architecture_presets]  ArrayHeight: 32  ArrayWidth: 32  IfmapSramSzkB: 64  FilterSramSzkB: 64
//                           OfmapSramSzkB: 64  IfmapOffset: 0 ...  Dataflow: os  Bandwidth: 64
//   [run_presets]           InterfaceBandwidth: USER
// mapped onto dfsim's architecture (load_arch reads a file ending in .cfg with this).
#pragma once
#include <string>

#include "config/arch.h"

namespace dfsim {

// The architecture a SCALE-Sim .cfg describes, on dfsim's defaults (ArchParams{}: those of
// configs/arch/eyeriss.yaml) for everything it does not give:
//   run_name                      -> name (default: the file's name without .cfg)
//   ArrayHeight x ArrayWidth      -> PE array rows x cols
//   Ifmap + Filter + OfmapSramSzkB -> the global buffer's size: dfsim's one buffer holds all three
//                                    (its tiles double-buffered, as SCALE-Sim's buffers are)
//   Dataflow os / ws              -> ArchParams::dataflow os-b / ws (the run's unless --dataflow);
//                                    is has none in dfsim (a note says so, the dataflow stays unset)
//   Bandwidth (words per cycle)   -> dram.bytes_per_cycle (SCALE-Sim's words are bytes); the first
//                                    of a list. InterfaceBandwidth CALC (SCALE-Sim then finds the
//                                    bandwidth a stall-free run needs) is noted, Bandwidth used.
// ArchParams::notes name every field of the file not mapped and what dfsim assumed instead.
// Keys are case-insensitive (configparser's); a bad or missing value is a ConfigError naming the
// file, the line and the field.
ArchParams load_scalesim_cfg(const std::string& path);
ArchParams load_scalesim_cfg_text(const std::string& text, const std::string& name);

}  // namespace dfsim
