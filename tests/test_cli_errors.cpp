// A command line that forgives (issue 15): every error is one "dfsim: error:" line with exit
// code 2, with a "did you mean" for a near miss (options, subcommands, dataflows, layer names);
// layer names match in any case; --dataflow and --dataflows are one option; --version; and a
// refused command creates no file or folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "base/text.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

// The distance counts insertions, deletions, substitutions and neighbour swaps one each, in
// any case; the suggestions are the nearest names within max(2, length/3), ties kept (three at
// most), and nothing for a name that shares too little with any choice.
TEST(DidYouMean, EditDistanceAndSuggestions) {
    EXPECT_EQ(edit_distance("dataflow", "dataflow"), 0u);
    EXPECT_EQ(edit_distance("CONV1", "conv1"), 0u);  // case ignored
    EXPECT_EQ(edit_distance("--dataflwo", "--dataflow"), 1u);  // a swap is one edit
    EXPECT_EQ(edit_distance("--dataflows", "--dataflow"), 1u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("ca", "abc"), 3u);  // restricted: no edit of a swapped pair
    const std::vector<std::string> dataflows = {"ws", "os-a", "os-b", "os-c", "nlr", "rs"};
    EXPECT_EQ(closest_names("rz", dataflows), (std::vector<std::string>{"rs"}));
    EXPECT_EQ(closest_names("RS", dataflows), (std::vector<std::string>{"rs"}));
    EXPECT_EQ(closest_names("os-d", dataflows), (std::vector<std::string>{"os-a", "os-b", "os-c"}));
    EXPECT_TRUE(closest_names("xyz", dataflows).empty());
    EXPECT_TRUE(closest_names("ab", dataflows).empty());  // two edits of a two-letter name
    EXPECT_EQ(did_you_mean("nrl", dataflows), "; did you mean 'nlr'?");
    EXPECT_EQ(did_you_mean("os", dataflows), "; did you mean 'ws' or 'rs'?");
    EXPECT_EQ(did_you_mean("os-d", dataflows), "; did you mean 'os-a', 'os-b' or 'os-c'?");
    EXPECT_EQ(did_you_mean("weight", dataflows), "");
    // long names allow length/3 edits
    EXPECT_EQ(closest_names("--mapingcahce", {"--mapping-cache", "--mapping"}),
              (std::vector<std::string>{"--mapping-cache"}));
    std::vector<std::string> many;
    for (int i = 0; i < 25; ++i) many.push_back(std::string(1, 'L').append(std::to_string(i)));
    EXPECT_EQ(name_list({"a", "b"}), "a, b");
    const std::string list = name_list(many);
    EXPECT_EQ(list.substr(0, 10), "L0, L1, L2");
    EXPECT_NE(list.find("L19, ... and 5 more"), std::string::npos) << list;
    EXPECT_EQ(list.find("L20"), std::string::npos) << list;
}
