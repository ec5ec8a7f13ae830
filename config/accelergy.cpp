#include "config/accelergy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "base/error.h"
#include "base/input_file.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {

// dfsim's cost classes an Accelergy component can map to; Ignore: mapped away on purpose.
enum class Cls { Dram, Glb, Noc, Rf, Mac, Ignore };
constexpr std::array<const char*, 6> kClsNames{"dram", "glb", "noc", "rf", "mac", "ignore"};
const char* cls_name(Cls c) { return kClsNames[static_cast<size_t>(c)]; }
std::optional<Cls> parse_cls(const std::string& s) {
    for (size_t i = 0; i < kClsNames.size(); ++i)
        if (s == kClsNames[i]) return static_cast<Cls>(i);
    return std::nullopt;
}
Level level_of(Cls c) { return static_cast<Level>(static_cast<int>(c)); }  // Dram..Rf only

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }
int col_of(const YAML::Node& n) { return n.Mark().column >= 0 ? n.Mark().column + 1 : 0; }
[[noreturn]] void fail_at(const std::string& file, const std::string& field, const YAML::Node& n,
                          const std::string& expected) {
    throw ConfigError(file, field, line_of(n), col_of(n), expected);
}

std::string lower(std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}
bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A component's name without its instance ranges ("sys.PE[0..167].mac" -> "sys.PE.mac").
std::string without_ranges(const std::string& name) {
    std::string out;
    int depth = 0;
    for (char ch : name) {
        if (ch == '[') ++depth;
        if (depth == 0) out += ch;
        if (ch == ']' && depth > 0) --depth;
    }
    return out;
}
std::string last_segment(const std::string& name) {
    const std::string plain = without_ranges(name);
    const size_t dot = plain.rfind('.');
    return dot == std::string::npos ? plain : plain.substr(dot + 1);
}

// The cost class a component's conventional name gives (docs/accelergy.md, "Mapping"): its last
// segment, in any case, split at '_' and '-'.
std::optional<Cls> conventional_class(const std::string& name) {
    const std::string seg = lower(last_segment(name));
    std::vector<std::string> tokens;
    std::string cur;
    for (char ch : seg + "_") {
        if (ch == '_' || ch == '-') {
            if (!cur.empty()) tokens.push_back(cur);
            cur.clear();
        } else {
            cur += ch;
        }
    }
    auto has = [&](std::initializer_list<const char*> words) {
        for (const std::string& t : tokens)
            for (const char* w : words)
                if (t == w) return true;
        return false;
    };
    if (ends_with(seg, "dram") || seg == "mainmemory" || seg == "main_memory") return Cls::Dram;
    if (has({"glb"}) || seg.find("globalbuffer") != std::string::npos || seg.find("global_buffer") != std::string::npos)
        return Cls::Glb;
    if (has({"noc"}) || seg.find("network") != std::string::npos) return Cls::Noc;
    if (has({"spad", "rf", "reg", "regs", "regfile", "registerfile", "scratchpad"}) || ends_with(seg, "spad") ||
        ends_with(seg, "regfile") || ends_with(seg, "registerfile"))
        return Cls::Rf;
    if (has({"mac", "macc"}) || ends_with(seg, "mac")) return Cls::Mac;
    return std::nullopt;
}

// Looks `name` up in a map keyed by component names: the name as written, without its instance
// ranges, or its last segment.
template <typename V>
const V* find_component(const std::map<std::string, V>& m, const std::string& name) {
    for (const std::string& k : {name, without_ranges(name), last_segment(name)})
        if (auto it = m.find(k); it != m.end()) return &it->second;
    return nullptr;
}

// One variant of an action: its energy (pJ), the access width its arguments give (0: none) and
// whether its other arguments are all 1 (a random access; one row and one column of a network).
struct Variant {
    double energy = 0;
    int width = 0;
    bool all_ones = true;
    bool has_args = false;
};
struct Action {
    std::string name;
    std::vector<Variant> variants;
    YAML::Node node;
    std::string field;
};
struct Component {
    std::string name;
    std::vector<Action> actions;
    YAML::Node node;
    std::string field;
    const Action* find(const std::string& a) const {
        for (const Action& x : actions)
            if (x.name == a) return &x;
        return nullptr;
    }
};

bool is_width_argument(const std::string& k) {
    return k == "width" || k == "datawidth" || k == "data_width" || k == "word_bits" || k == "bits";
}

double number_at(const std::string& file, const std::string& field, const YAML::Node& n, const std::string& what) {
    double v = 0;
    bool ok = n.IsScalar();
    if (ok) {
        try {
            v = n.as<double>();
        } catch (const YAML::Exception&) {
            ok = false;
        }
    }
    if (!ok || !std::isfinite(v) || v < 0)
        fail_at(file, field, n,
                "expected " + what + " (a number >= 0), got '" + (n.IsScalar() ? n.Scalar() : "a non-scalar") + "'");
    return v;
}

Variant read_variant(const std::string& file, const std::string& field, const YAML::Node& n) {
    if (!n.IsMap()) fail_at(file, field, n, "expected a mapping {energy: PJ, arguments: ...}");
    Variant v;
    const YAML::Node e = n["energy"];
    if (!e) fail_at(file, field + ".energy", n, "required field is missing (the action's energy in pJ)");
    v.energy = number_at(file, field + ".energy", e, "an energy in pJ");
    const YAML::Node args = n["arguments"];
    if (args && !args.IsNull()) {
        if (!args.IsMap()) fail_at(file, field + ".arguments", args, "expected a mapping of argument values, or null");
        for (auto it = args.begin(); it != args.end(); ++it) {
            const std::string k = it->first.as<std::string>();
            const std::string kf = field + ".arguments." + k;
            const double x = number_at(file, kf, it->second, "an argument value");
            if (is_width_argument(k)) {
                if (x < 1 || x > 4096 || x != std::floor(x))
                    fail_at(file, kf, it->second, "expected a width in bits, an integer in [1, 4096]");
                v.width = static_cast<int>(x);
            } else {
                v.has_args = true;
                v.all_ones = v.all_ones && x == 1;
            }
        }
    }
    return v;
}

// The tables of `ERT:` in either layout: a list of {name, actions: [{name, arguments, energy}]}
// (Accelergy 0.3) or a mapping of names to mappings of action names to {arguments, energy} or lists of them (0.4).
std::vector<Component> read_tables(const std::string& file, const YAML::Node& ert) {
    if (!ert.IsMap()) fail_at(file, "ERT", ert, "expected a mapping with 'version' and 'tables'");
    if (const YAML::Node ver = ert["version"]; ver && !ver.IsNull()) {
        const std::string v = ver.IsScalar() ? ver.Scalar() : "";
        if (v != "0.3" && v != "0.4")
            fail_at(file, "ERT.version", ver, "expected 0.3 or 0.4 (the ERT layouts dfsim reads), got '" + v + "'");
    }
    const YAML::Node tables = ert["tables"];
    if (!tables) fail_at(file, "ERT.tables", ert, "required field is missing (the list of component tables)");
    std::vector<Component> out;
    auto add_actions = [&](Component& c, const YAML::Node& actions, const std::string& field) {
        if (actions.IsSequence()) {  // 0.3: [{name, arguments, energy}], one entry per variant
            for (size_t i = 0; i < actions.size(); ++i) {
                const std::string f = field + "[" + std::to_string(i) + "]";
                const YAML::Node a = actions[i];
                if (!a.IsMap() || !a["name"] || !a["name"].IsScalar())
                    fail_at(file, f, a, "expected an action {name: ACTION, arguments: ..., energy: PJ}");
                const std::string an = a["name"].Scalar();
                Action* act = nullptr;
                for (Action& x : c.actions)
                    if (x.name == an) act = &x;
                if (!act) {
                    c.actions.push_back({an, {}, a, f});
                    act = &c.actions.back();
                }
                act->variants.push_back(read_variant(file, f, a));
            }
        } else if (actions.IsMap()) {  // 0.4: {ACTION: {arguments, energy} or [{arguments, energy}, ...]}
            for (auto it = actions.begin(); it != actions.end(); ++it) {
                const std::string an = it->first.as<std::string>(), f = field + "." + an;
                Action act{an, {}, it->second, f};
                if (it->second.IsSequence() && it->second.size() == 0)
                    fail_at(file, f, it->second,
                            "expected the action's energy: {arguments: ..., energy: PJ} or a "
                            "non-empty list of them");
                if (it->second.IsSequence())
                    for (size_t i = 0; i < it->second.size(); ++i)
                        act.variants.push_back(read_variant(file, f + "[" + std::to_string(i) + "]", it->second[i]));
                else
                    act.variants.push_back(read_variant(file, f, it->second));
                c.actions.push_back(std::move(act));
            }
        } else {
            fail_at(file, field, actions, "expected the component's actions: a list or a mapping");
        }
    };
    if (tables.IsSequence()) {
        for (size_t i = 0; i < tables.size(); ++i) {
            const std::string f = "ERT.tables[" + std::to_string(i) + "]";
            const YAML::Node t = tables[i];
            if (!t.IsMap() || !t["name"] || !t["name"].IsScalar())
                fail_at(file, f, t, "expected a component table {name: COMPONENT, actions: [...]}");
            Component c{t["name"].Scalar(), {}, t, f};
            if (!t["actions"]) fail_at(file, f + ".actions", t, "required field is missing (the component's actions)");
            add_actions(c, t["actions"], f + ".actions");
            out.push_back(std::move(c));
        }
    } else if (tables.IsMap()) {
        for (auto it = tables.begin(); it != tables.end(); ++it) {
            const std::string n = it->first.as<std::string>(), f = "ERT.tables." + n;
            Component c{n, {}, it->second, f};
            add_actions(c, it->second, f);
            out.push_back(std::move(c));
        }
    } else {
        fail_at(file, "ERT.tables", tables, "expected a list of component tables (0.3) or a mapping of them (0.4)");
    }
    return out;
}

// The variant of an action dfsim takes: the only one; else the first whose arguments are all 1
// (a buffer's random access: address and data both changing; a network's single receiver);
// else the costliest.
const Variant& chosen(const Action& a) {
    if (a.variants.size() == 1) return a.variants.front();
    for (const Variant& v : a.variants)
        if (v.has_args && v.all_ones) return v;
    return *std::max_element(a.variants.begin(), a.variants.end(),
                             [](const Variant& x, const Variant& y) { return x.energy < y.energy; });
}

// The user's `dfsim:` block (docs/accelergy.md): names, units, the mapping and widths.
struct DfsimBlock {
    std::string name, unit = "pJ", width_scaling = "linear", combine = "equal";
    std::map<std::string, Cls> components;
    std::map<std::string, int> reference_bits;  // by component name or class name
    int mac_operand_bits = 8, mac_psum_bits = 32;
    std::optional<double> glb_reference_bytes, glb_exponent;
    std::map<std::string, double> alu;  // add, lut_read, lut_write, xnor_popcount, lut_reference_entries, ...
    std::map<Cls, LevelCost> levels;  // levels given outright (no component for them)
    std::string file;
    int line = 0, column = 0;
};

DfsimBlock read_dfsim_block(const YamlMap& d) {
    DfsimBlock b;
    b.file = d.file();
    b.line = d.line();
    b.column = d.column();
    b.name = d.get_string("name", "");
    d.get_string("source", "");
    b.unit = d.get_enum("unit", {"pJ", "normalized"}, "pJ");
    b.width_scaling = d.get_enum("width_scaling", {"linear", "none"}, "linear");
    b.combine = d.get_enum("combine", {"equal", "mean", "max", "min"}, "equal");
    if (auto m = d.opt_child("components"))
        for (const std::string& k : m->keys()) {
            const std::string v = m->get_string(k);
            const auto c = parse_cls(v);
            if (!c) m->fail(k, "expected a cost class, one of {dram, glb, noc, rf, mac, ignore}, got '" + v + "'");
            b.components[k] = *c;
        }
    if (auto m = d.opt_child("reference_bits"))
        for (const std::string& k : m->keys()) b.reference_bits[k] = static_cast<int>(m->get_int(k, 1, 4096));
    if (auto m = d.opt_child("mac")) {
        b.mac_operand_bits = static_cast<int>(m->get_int("operand_bits", 1, 64, 8));
        b.mac_psum_bits = static_cast<int>(m->get_int("psum_bits", 1, 128, 32));
        m->check_no_unknown_keys();
    }
    if (auto m = d.opt_child("glb_size")) {
        b.glb_reference_bytes = m->get_double("reference_bytes", 1.0, 1e15);
        b.glb_exponent = m->get_double("exponent", 0.0, 4.0);
        m->check_no_unknown_keys();
    }
    if (auto m = d.opt_child("alu")) {
        for (const char* k : {"add", "multiply", "lut_read", "lut_write", "xnor_popcount"})
            if (m->has(k)) b.alu[k] = m->get_double(k, 0.0, 1e9);
        if (m->has("lut_reference_entries"))
            b.alu["lut_reference_entries"] = m->get_double("lut_reference_entries", 1.0, 1e9);
        if (m->has("lut_size_exponent")) b.alu["lut_size_exponent"] = m->get_double("lut_size_exponent", 0.0, 4.0);
        m->check_no_unknown_keys();
    }
    if (auto m = d.opt_child("levels"))
        for (const std::string& k : m->keys()) {
            const auto c = parse_cls(k);
            if (!c || *c == Cls::Mac || *c == Cls::Ignore)
                m->fail(k, "expected a storage level, one of {dram, glb, noc, rf}");
            YamlMap l = m->child(k);
            LevelCost lc;
            lc.read = l.get_double("read", 0.0, 1e9);
            lc.write = l.get_double("write", 0.0, 1e9);
            lc.reference_bits = static_cast<int>(l.get_int("reference_bits", 1, 4096, 16));
            l.check_no_unknown_keys();
            b.levels[*c] = lc;
        }
    d.check_no_unknown_keys();
    return b;
}

// The sidecar of an ERT file: NAME.dfsim.yaml beside NAME.yaml ("" if `file` has no .yaml/.yml).
std::string sidecar_path(const std::string& file) {
    for (const char* ext : {".yaml", ".yml"})
        if (ends_with(file, ext)) return file.substr(0, file.size() - std::string(ext).size()) + ".dfsim.yaml";
    return "";
}

std::string fmt_pj(double v) {
    std::ostringstream os;
    os.precision(6);
    os << v;
    return os.str();
}

// A storage level's figures from one component: read and write energy and the width they are for.
struct LevelFigure {
    const Component* comp = nullptr;
    LevelCost cost;
};

// The figures of one storage level, from its components, by the combine rule.
LevelCost combine_level(const std::string& file, Cls cls, const std::vector<LevelFigure>& figs, const DfsimBlock& b,
                        bool linear) {
    const LevelFigure& first = figs.front();
    if (figs.size() == 1) return first.cost;
    auto per_bit = [&](const LevelFigure& f, bool write) {
        const double e = write ? f.cost.write : f.cost.read;
        return linear ? e / f.cost.reference_bits : e;
    };
    LevelCost out = first.cost;
    for (bool write : {false, true}) {
        double lo = per_bit(first, write), hi = lo, sum = 0;
        for (const LevelFigure& f : figs) {
            const double x = per_bit(f, write);
            lo = std::min(lo, x);
            hi = std::max(hi, x);
            sum += x;
        }
        const bool agree = hi - lo <= 1e-9 * std::max(std::abs(hi), 1e-300);
        if (agree) continue;  // the first component's figure as it is (exact, whatever its width)
        if (b.combine == "equal") {
            const LevelFigure* other = &first;
            for (const LevelFigure& f : figs)
                if (per_bit(f, write) != per_bit(first, write)) other = &f;
            const std::string unit = linear ? " pJ per bit" : "";
            throw ConfigError(file, first.comp->field, line_of(first.comp->node), col_of(first.comp->node),
                              "components '" + first.comp->name + "' and '" + other->comp->name + "' both map to " +
                                  cls_name(cls) + " but their " + (write ? "write" : "read") + " figures differ (" +
                                  fmt_pj(per_bit(first, write)) + unit + " vs " + fmt_pj(per_bit(*other, write)) +
                                  unit +
                                  "); dfsim has one figure per level: expected dfsim: {combine: mean|max|min}, "
                                  "or one of them mapped away (dfsim: {components: {NAME: ignore}})");
        }
        const double pb = b.combine == "mean" ? sum / static_cast<double>(figs.size()) : b.combine == "max" ? hi : lo;
        (write ? out.write : out.read) = linear ? pb * first.cost.reference_bits : pb;
    }
    return out;
}

}  // namespace

bool is_accelergy_art(const std::string& yaml) {
    try {
        const YAML::Node root = YAML::Load(yaml);
        return root.IsMap() && root["ART"];
    } catch (const YAML::Exception&) {
        return false;
    }
}

EnergyTable load_accelergy_ert(const std::string& yaml, const std::string& name) {
    const YamlMap root = YamlMap::from_string(yaml, name);  // syntax, duplicate keys, text checks
    const YAML::Node doc = YAML::Load(yaml);
    const std::vector<Component> comps = read_tables(name, doc["ERT"]);

    DfsimBlock b;
    b.file = name;
    if (auto d = root.opt_child("dfsim")) {
        b = read_dfsim_block(*d);
    } else if (const std::string side = sidecar_path(name); !side.empty() && std::filesystem::exists(side)) {
        const YamlMap s = YamlMap::load_file(side);
        b = read_dfsim_block(s.child("dfsim"));
        s.check_no_unknown_keys();
    }
    const bool linear = b.width_scaling == "linear";

    EnergyTable t;
    t.file = name;
    if (doc["ART"]) {  // an ART beside the ERT (dfsim export writes one): the chip's area as given
        t.area.present = true;
        t.area.given = given_area(load_accelergy_art_from_string(yaml, name));
    }
    t.name = b.name.empty() ? "accelergy:" + std::filesystem::path(name).stem().string() : b.name;
    t.unit = b.unit == "pJ" ? EnergyUnit::Pj : EnergyUnit::Normalized;
    t.scale_with_width = linear;

    std::map<Cls, std::vector<LevelFigure>> levels;
    std::vector<const Component*> macs;
    for (const Component& c : comps) {
        std::optional<Cls> cls;
        if (const Cls* m = find_component(b.components, c.name)) cls = *m;
        if (!cls) cls = conventional_class(c.name);
        if (!cls)
            throw ConfigError(name, c.field, line_of(c.node), col_of(c.node),
                              "component '" + c.name +
                                  "' maps to no dfsim cost class: expected a name ending in DRAM, GlobalBuffer/glb, "
                                  "NoC/network, spad/RF/reg or mac, or an entry dfsim: {components: {'" +
                                  last_segment(c.name) + "': CLASS}} (CLASS one of dram, glb, noc, rf, mac, ignore)");
        if (*cls == Cls::Ignore) continue;
        if (*cls == Cls::Mac) {
            macs.push_back(&c);
            continue;
        }
        // read: `read` (a network: `transfer_random`, `transfer`, else `read`); write: `write`,
        // else `update`, else `fill` (a network: `write`, else none)
        const Action* rd = nullptr;
        const std::vector<const char*> reads = *cls == Cls::Noc
                                                   ? std::vector<const char*>{"transfer_random", "transfer", "read"}
                                                   : std::vector<const char*>{"read"};
        for (const char* a : reads)
            if (!rd) rd = c.find(a);
        if (!rd) {
            std::string list;
            for (const char* a : reads) list += (list.empty() ? "'" : ", '") + std::string(a) + "'";
            throw ConfigError(
                name, c.field, line_of(c.node), col_of(c.node),
                "component '" + c.name + "' (" + cls_name(*cls) + ") has no read action: expected one of " + list);
        }
        const Action* wr = c.find("write");
        if (*cls != Cls::Noc) {
            if (!wr) wr = c.find("update");
            if (!wr) wr = c.find("fill");
        }
        LevelFigure f;
        f.comp = &c;
        const Variant& rv = chosen(*rd);
        f.cost.read = rv.energy;
        int bits = rv.width;
        if (bits == 0) {
            if (const int* w = find_component(b.reference_bits, c.name))
                bits = *w;
            else if (auto it = b.reference_bits.find(cls_name(*cls)); it != b.reference_bits.end())
                bits = it->second;
        }
        if (bits == 0) {
            if (linear)
                throw ConfigError(name, c.field, line_of(c.node), col_of(c.node),
                                  "component '" + c.name +
                                      "': expected its access width: a 'width' argument on its actions, or "
                                      "dfsim: {reference_bits: {'" +
                                      last_segment(c.name) + "': BITS}} (or by class: {" + cls_name(*cls) +
                                      ": BITS}); with dfsim: {width_scaling: none} no width is needed");
            bits = 16;
        }
        f.cost.reference_bits = bits;
        if (wr) {
            const Variant& wv = chosen(*wr);
            f.cost.write = wv.energy;
            if (linear && wv.width != 0 && wv.width != bits) f.cost.write = wv.energy * bits / wv.width;
        }
        levels[*cls].push_back(f);
    }

    for (Cls cls : {Cls::Dram, Cls::Glb, Cls::Noc, Cls::Rf}) {
        const auto given = b.levels.find(cls);
        const auto found = levels.find(cls);
        if (found != levels.end() && given != b.levels.end())
            throw ConfigError(b.file, std::string("dfsim.levels.") + cls_name(cls), b.line, b.column,
                              std::string("expected no figures for ") + cls_name(cls) + ": component '" +
                                  found->second.front().comp->name + "' maps to it already");
        if (given != b.levels.end()) {
            t.at(level_of(cls)) = given->second;
            continue;
        }
        if (found == levels.end())
            throw ConfigError(name, "ERT.tables", line_of(doc["ERT"]), col_of(doc["ERT"]),
                              std::string("no component maps to ") + cls_name(cls) +
                                  ": expected a component named for it (docs/accelergy.md, \"Mapping\"), an entry "
                                  "dfsim: {components: {NAME: " +
                                  cls_name(cls) + "}}, or its figures as dfsim: {levels: {" + cls_name(cls) +
                                  ": {read: PJ, write: PJ, reference_bits: BITS}}}");
        t.at(level_of(cls)) = combine_level(name, cls, found->second, b, linear);
    }
    if (b.glb_reference_bytes) {
        t.glb_reference_kb = *b.glb_reference_bytes / 1024.0;
        t.glb_size_exponent = *b.glb_exponent;
    }

    // The MAC: mac_random (else mac) at operand_bits x operand_bits with psum_bits psums; multiply
    // (default: all of it) and add, each at those widths, scaled to dfsim's 8 x 8 / 32-bit reference.
    if (macs.empty())
        throw ConfigError(name, "ERT.tables", line_of(doc["ERT"]), col_of(doc["ERT"]),
                          "no component maps to mac: expected a component named mac/MAC or an entry dfsim: "
                          "{components: {NAME: mac}}");
    if (macs.size() > 1)
        throw ConfigError(name, macs[1]->field, line_of(macs[1]->node), col_of(macs[1]->node),
                          "components '" + macs[0]->name + "' and '" + macs[1]->name +
                              "' both map to mac: expected one (map the others away: dfsim: {components: {NAME: "
                              "ignore}})");
    const Component& m = *macs.front();
    const Action* mr = m.find("mac_random");
    if (!mr) mr = m.find("mac");
    if (!mr)
        throw ConfigError(name, m.field, line_of(m.node), col_of(m.node),
                          "component '" + m.name + "' (mac) has no action 'mac_random' or 'mac'");
    const Variant& mv = chosen(*mr);
    const int ob = mv.width ? mv.width : b.mac_operand_bits, pb = b.mac_psum_bits;
    auto action_or = [&](const char* a) -> std::optional<double> {
        if (const Action* x = m.find(a)) return chosen(*x).energy;
        if (auto it = b.alu.find(a); it != b.alu.end()) return it->second;
        return std::nullopt;
    };
    const double mac_at = mv.energy;
    const double mult_at = action_or("multiply").value_or(mac_at);
    if (mult_at > mac_at)
        throw ConfigError(name, m.field, line_of(m.node), col_of(m.node),
                          "component '" + m.name + "': expected its multiply (" + fmt_pj(mult_at) +
                              ") to be at most its mac (" + fmt_pj(mac_at) + ")");
    const std::optional<double> add_at = action_or("add");
    if (!add_at)
        throw ConfigError(name, m.field, line_of(m.node), col_of(m.node),
                          "component '" + m.name +
                              "': expected the energy of one psum accumulate: an action 'add' or dfsim: {alu: {add: "
                              "PJ}} (at psum_bits, dfsim: {mac: {psum_bits: BITS}}, default 32)");
    const double op_scale = 64.0 / (static_cast<double>(ob) * ob), psum_scale = 32.0 / pb;
    if (ob == 8 && pb == 32) {
        t.mac = mac_at;
        t.multiply = mult_at;
    } else {
        t.multiply = mult_at * op_scale;
        t.mac = t.multiply + (mac_at - mult_at) * psum_scale;
    }
    t.add = *add_at * psum_scale;
    t.lut_read = action_or("lut_read").value_or(-1);
    t.lut_write = action_or("lut_write").value_or(-1);
    t.xnor_popcount = action_or("xnor_popcount").value_or(-1);
    if (auto it = b.alu.find("lut_reference_entries"); it != b.alu.end()) t.lut_reference_entries = it->second;
    if (auto it = b.alu.find("lut_size_exponent"); it != b.alu.end()) t.lut_size_exponent = it->second;
    return t;
}

double AreaTable::total_um2() const {
    double s = 0;
    for (const AreaEntry& e : components) s += e.um2;
    return s;
}

AreaTable load_accelergy_art_from_string(const std::string& yaml, const std::string& name) {
    YamlMap::from_string(yaml, name);  // syntax, duplicate keys, text checks
    const YAML::Node doc = YAML::Load(yaml), art = doc["ART"];
    if (!art || !art.IsMap())
        fail_at(name, "ART", art ? art : doc, "expected an Accelergy area table: ART: {version: 0.3, tables: [...]}");
    AreaTable out;
    out.file = name;
    const YAML::Node tables = art["tables"];
    if (!tables) fail_at(name, "ART.tables", art, "required field is missing (the list of component areas)");
    auto add = [&](const std::string& comp, const YAML::Node& area, const std::string& field) {
        AreaEntry e;
        e.component = comp;
        e.um2 = number_at(name, field, area, "an area in um^2");
        if (auto c = conventional_class(comp); c) e.cost_class = cls_name(*c);
        out.components.push_back(e);
    };
    if (tables.IsSequence()) {
        for (size_t i = 0; i < tables.size(); ++i) {
            const std::string f = "ART.tables[" + std::to_string(i) + "]";
            const YAML::Node t = tables[i];
            if (!t.IsMap() || !t["name"] || !t["name"].IsScalar() || !t["area"])
                fail_at(name, f, t, "expected a component area {name: COMPONENT, area: UM2}");
            add(t["name"].Scalar(), t["area"], f + ".area");
        }
    } else if (tables.IsMap()) {
        for (auto it = tables.begin(); it != tables.end(); ++it) {
            const std::string n = it->first.as<std::string>(), f = "ART.tables." + n;
            if (it->second.IsMap()) {
                if (!it->second["area"]) fail_at(name, f, it->second, "expected {area: UM2}");
                add(n, it->second["area"], f + ".area");
            } else {
                add(n, it->second, f);
            }
        }
    } else {
        fail_at(name, "ART.tables", tables, "expected a list of component areas (0.3) or a mapping of them");
    }
    return out;
}

AreaTable load_accelergy_art(const std::string& path) {
    return load_accelergy_art_from_string(read_input_file(path), path);
}

namespace {
// The data type a register-file component's last name segment names, if any.
std::optional<DataType> spad_type(const std::string& component) {
    const std::string seg = lower(last_segment(component));
    for (const char* w : {"ifmap", "input", "iact", "activation"})
        if (seg.find(w) != std::string::npos) return DataType::Ifmap;
    for (const char* w : {"weight", "filter"})
        if (seg.find(w) != std::string::npos) return DataType::Filter;
    for (const char* w : {"psum", "output", "accum"})
        if (seg.find(w) != std::string::npos) return DataType::Psum;
    return std::nullopt;
}
}  // namespace

void use_art_area(EnergyTable& t, const std::string& art_path) {
    t.area.present = true;
    t.area.given = given_area(load_accelergy_art(art_path));
}

GivenArea given_area(const AreaTable& art) {
    GivenArea g;
    g.present = true;
    g.source = art.file;
    for (const AreaEntry& e : art.components) {
        const bool per_pe = e.component.find('[') != std::string::npos;  // an instance range: one per PE
        const std::string& cls = e.cost_class;
        if (cls == "dram") continue;  // off chip
        if (cls == "glb") {
            g.glb_um2 += e.um2;
        } else if (!per_pe) {
            g.chip_other_um2 += e.um2;
        } else if (cls == "rf") {
            const std::optional<DataType> d = spad_type(e.component);
            if (!d)
                throw ConfigError(art.file, "ART.tables", 0, 0,
                                  "register file '" + e.component +
                                      "': expected its data type in its name (ifmap/input, weights/filter or "
                                      "psum/output), to count it as that spad's area");
            g.spad_um2[static_cast<int>(*d)] += e.um2;
        } else if (cls == "mac") {
            g.datapath_um2 += e.um2;
        } else {
            g.pe_other_um2 += e.um2;
        }
    }
    return g;
}

namespace {

// A double as the shortest text that reads back to the same value.
std::string num(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// A YAML plain scalar for a component-name segment: the architecture's name, with anything but
// letters, digits, '_' and '-' as '_'.
std::string segment(const std::string& s) {
    std::string out;
    for (char ch : s) out += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-') ? ch : '_';
    return out.empty() ? "arch" : out;
}

// A YAML double-quoted string.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += static_cast<unsigned char>(ch) < 0x20 ? '?' : ch;
    }
    return out + "\"";
}

// Text for a comment: control characters (a line break) as '?'.
std::string comment_text(std::string s) {
    for (char& ch : s)
        if (static_cast<unsigned char>(ch) < 0x20) ch = '?';
    return s;
}

}  // namespace

std::string to_accelergy_ert(const EnergyTable& t, const ArchParams& a, const std::string& header) {
    const std::string top = "system." + segment(a.name);
    const std::string pe = top + ".PE[0.." + std::to_string(a.num_pes() - 1) + "]";
    const int word = a.word_bits > 0 ? a.word_bits : a.pe.mac_bits;
    const int psum = a.pe.psum_bits;
    const int dram_bits = a.dram.link_bits > 0 ? a.dram.link_bits : 64;
    const double glb_bytes = static_cast<double>(a.glb.size_bytes);
    struct Storage {
        std::string name;
        Level level;
        int bits;
    };
    const std::vector<Storage> storage = {
        {top + ".DRAM", Level::Dram, dram_bits},    {top + ".shared_glb", Level::Glb, a.glb.bank_width_bits},
        {top + ".ifmap_NoC", Level::Noc, word},     {top + ".weights_NoC", Level::Noc, word},
        {top + ".psum_read_NoC", Level::Noc, psum}, {top + ".psum_write_NoC", Level::Noc, psum},
        {pe + ".ifmap_spad", Level::Rf, word},      {pe + ".weights_spad", Level::Rf, word},
        {pe + ".psum_spad", Level::Rf, psum}};
    std::ostringstream os;
    os << header;
    os << "# Accelergy energy reference table (ERT) of dfsim's energy table '" << comment_text(t.name) << "'"
       << (t.file.empty() ? "" : "\n#   (" + comment_text(t.file) + ")") << "\n# for the architecture '"
       << comment_text(a.name) << "' (PE array " << a.rows << " x " << a.cols << ", " << a.glb.size_bytes
       << "-byte global buffer):\n# energy per action in "
       << (t.unit == EnergyUnit::Pj ? "pJ" : "multiples of one MAC (a normalized table)")
       << ", each at the width the architecture accesses it (dfsim.reference_bits);\n# networks: per word "
          "received. dfsim reads this file back as an energy table (--energy FILE;\n# docs/accelergy.md).\n";
    os << "ERT:\n  version: 0.3\n  tables:\n";
    auto action = [&](const std::string& n, double e) {
        os << "    - name: " << n << "\n      arguments: null\n      energy: " << num(e) << "\n";
    };
    for (const Storage& s : storage) {
        os << "  - name: " << s.name << "\n    actions:\n";
        action("read", t.access(s.level, false, s.bits, glb_bytes));
        action("write", t.access(s.level, true, s.bits, glb_bytes));
    }
    const int mb = a.pe.mac_bits;
    os << "  - name: " << pe << ".mac\n    actions:\n";
    action("mac_random", t.mac_energy(mb, mb, psum));
    const double mult = t.multiply < 0 ? t.mac : t.multiply;
    action("multiply", mult * (static_cast<double>(mb) * mb / 64.0));
    action("add", t.accumulate(psum));
    if (t.lut_read >= 0) action("lut_read", t.lut_read);
    if (t.lut_write >= 0) action("lut_write", t.lut_write);
    if (t.xnor_popcount >= 0) action("xnor_popcount", t.xnor_popcount);
    os << "# What dfsim needs beyond the ERT to read it back as the same table (Accelergy and Timeloop ignore it).\n";
    os << "dfsim:\n  name: " << quoted(t.name) << "\n  unit: " << to_string(t.unit)
       << "\n  width_scaling: " << (t.scale_with_width ? "linear" : "none") << "\n  reference_bits:\n";
    for (const Storage& s : storage) os << "    " << s.name << ": " << s.bits << "\n";
    os << "  mac: {operand_bits: " << mb << ", psum_bits: " << psum << "}\n";
    if (t.glb_size_exponent != 0.0)
        os << "  # the GLB figure is for this size; dfsim scales it as (size / reference)^exponent\n"
           << "  glb_size: {reference_bytes: " << a.glb.size_bytes << ", exponent: " << num(t.glb_size_exponent)
           << "}\n";
    os << "  alu: {lut_reference_entries: " << num(t.lut_reference_entries)
       << ", lut_size_exponent: " << num(t.lut_size_exponent) << "}\n";
    return os.str();
}

AreaTable accelergy_area_table(const ArchParams& a, double glb_um2, const std::array<double, 3>& spad_um2_per_pe,
                               double datapath_um2_per_pe, double other_um2_per_pe, const std::string& source) {
    const std::string top = "system." + segment(a.name);
    const std::string pe = top + ".PE[0.." + std::to_string(a.num_pes() - 1) + "]";
    AreaTable t;
    t.file = source;
    t.components = {{top + ".shared_glb", "glb", glb_um2},
                    {pe + ".ifmap_spad", "rf", spad_um2_per_pe[0]},
                    {pe + ".weights_spad", "rf", spad_um2_per_pe[1]},
                    {pe + ".psum_spad", "rf", spad_um2_per_pe[2]},
                    {pe + ".mac", "mac", datapath_um2_per_pe},
                    {pe + ".other", "", other_um2_per_pe}};
    return t;
}

std::string to_accelergy_art(const AreaTable& area) {
    std::ostringstream os;
    os << "# Accelergy area reference table (ART), um^2 per component, as read from " << comment_text(area.file)
       << "; total " << num(area.total_um2()) << " um^2\n";
    os << "ART:\n  version: 0.3\n  tables:\n";
    for (const AreaEntry& e : area.components)
        os << "  - name: " << quoted(e.component) << "\n    area: " << num(e.um2)
           << (e.cost_class.empty() ? "" : "  # dfsim class " + e.cost_class) << "\n";
    return os.str();
}

}  // namespace dfsim
