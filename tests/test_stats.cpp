// The counters registry (base/stats.h): every counter of ActionCounts is registered exactly
// once, and adding, combining and naming counts go through it.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

#include "base/stats.h"

namespace dfsim {
namespace {

// ActionCounts as its uint64_t slots (it holds nothing else).
std::vector<uint64_t> slots(const ActionCounts& c) {
    static_assert(sizeof(ActionCounts) % sizeof(uint64_t) == 0);
    std::vector<uint64_t> v(sizeof(ActionCounts) / sizeof(uint64_t));
    std::memcpy(v.data(), &c, sizeof c);
    return v;
}

// Each registered counter is one slot of ActionCounts, no two the same, and every slot is one
// of them: a member added to ActionCounts without a registry entry fails here.
TEST(Stats, EveryCounterIsOneSlotOfActionCounts) {
    std::set<size_t> seen;
    for (const Counter& k : counters()) {
        ActionCounts c;
        k.of(c) = 1;
        const std::vector<uint64_t> v = slots(c);
        size_t set = 0, where = 0;
        for (size_t i = 0; i < v.size(); ++i)
            if (v[i]) ++set, where = i;
        ASSERT_EQ(set, 1u) << k.name;
        EXPECT_TRUE(seen.insert(where).second) << k.name << " shares a slot with another counter";
    }
    EXPECT_EQ(seen.size(), slots(ActionCounts{}).size()) << "a member of ActionCounts is not registered";
}

TEST(Stats, CountersAreNamedDescribedAndPlaced) {
    std::set<std::string> names;
    for (const Counter& k : counters()) {
        EXPECT_TRUE(names.insert(k.name).second) << k.name << " twice";
        EXPECT_FALSE(k.unit.empty()) << k.name;
        EXPECT_FALSE(k.description.empty()) << k.name;
        EXPECT_EQ(k.is_access(), k.level && k.type && k.dir) << k.name;
        EXPECT_EQ(&counter(k.name), &k);
    }
    // the access matrix: every level x data type x reads/writes, in that order, CSV-named
    size_t i = 0;
    for (Level l : kLevels)
        for (DataType t : kDataTypes)
            for (const char* d : {"reads", "writes"}) {
                const Counter& k = counters()[i++];
                ASSERT_TRUE(k.is_access());
                EXPECT_EQ(k.name, std::string(to_string(l)) + "_" + std::string(to_string(t)) + "_" + d);
                EXPECT_EQ(k.json_path(), (std::vector<std::string>{"accesses", std::string(to_string(l)),
                                                                   std::string(to_string(t)), d}));
            }
    EXPECT_EQ(counter("dram_filter_writes").of(ActionCounts{}), 0u);
    EXPECT_EQ(counter("macs").json_path(), std::vector<std::string>{"macs"});
    EXPECT_TRUE(counter("xnor_bits").json_path().empty());  // not in the run report
}

// Adding sums every counter; combine visits them pairwise.
TEST(Stats, AddingAndCombiningCoverEveryCounter) {
    ActionCounts a, b;
    uint64_t n = 1;
    for (const Counter& k : counters()) k.of(a) = n, k.of(b) = 1000 * n, ++n;
    ActionCounts s = a;
    s += b;
    n = 1;
    for (const Counter& k : counters()) EXPECT_EQ(k.of(s), 1001 * n++) << k.name;
    size_t visits = 0;
    s.combine(a, [&](uint64_t& mine, uint64_t theirs) {
        ++visits;
        mine -= theirs;
    });
    EXPECT_EQ(visits, counters().size());
    EXPECT_TRUE(s == b);
}

// The result enums read back their own names (the JSON/CSV spellings) and refuse others.
TEST(Enums, NamesReadBack) {
    for (OutputCheck c : kOutputChecks) EXPECT_EQ(parse_enum(to_string(c), kOutputChecks, "output check"), c);
    for (ExecutedOn e : kExecutedOns) EXPECT_EQ(parse_enum(to_string(e), kExecutedOns, "executed_on"), e);
    for (EnergyUnit u : kEnergyUnits) EXPECT_EQ(parse_enum(to_string(u), kEnergyUnits, "energy unit"), u);
    EXPECT_EQ(enum_names(kOutputChecks), (std::vector<std::string>{"bit-exact", "mismatch", "skipped", "host"}));
    EXPECT_EQ(enum_names(kEnergyUnits), (std::vector<std::string>{"pJ", "normalized"}));
    try {
        parse_enum("nJ", kEnergyUnits, "energy unit");
        FAIL() << "nJ was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "unknown energy unit 'nJ' (expected pJ or normalized)");
    }
}

}  // namespace
}  // namespace dfsim
