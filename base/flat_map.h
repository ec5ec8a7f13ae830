// A small open-addressing hash map from fixed-size integer arrays to values, for the mapper's
// memos (many small maps built and dropped per candidate, where std::map's node allocations
// dominated). Insert and find only; never erases.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace dfsim {

template <size_t N, typename Value>
class FlatMap {
public:
    using Key = std::array<int, N>;
    // The value stored under `key`, made by make() if there is none yet. The reference is good
    // until the next insertion.
    template <typename Make>
    Value& get_or_make(const Key& key, Make make) {
        return m_values[index_of(key, make)];
    }

    // The index of the value stored under `key` (made by make() if there is none yet): values
    // are numbered 0, 1, ... in the order they were made, and at(index) gives them back.
    template <typename Make>
    size_t index_of(const Key& key, Make make) {
        if ((m_values.size() + 1) * 2 > m_slots.size()) grow();
        Slot& s = m_slots[slot(key)];
        if (s.index < 0) {
            Value v = make();  // may use other maps, never this one
            s.key = key;
            s.index = static_cast<int32_t>(m_values.size());
            m_values.push_back(std::move(v));
        }
        return static_cast<size_t>(s.index);
    }
    const Value& at(size_t index) const { return m_values[index]; }

    // The value stored under `key`, or nullptr. The pointer is good until the next insertion.
    const Value* find(const Key& key) const {
        if (m_slots.empty()) return nullptr;
        const Slot& s = m_slots[slot(key)];
        return s.index < 0 ? nullptr : &m_values[static_cast<size_t>(s.index)];
    }

private:
    struct Slot {
        Key key{};
        int32_t index = -1;  // into m_values; -1: empty
    };
    // The key's words in pairs, each pair multiplied by its own odd constant (multiplies that do
    // not wait on each other, unlike FNV-1a's chain), then mixed (the mix of splitmix64). Which
    // slot a key lands in changes nothing but the probing: values are numbered as they are made.
    static uint64_t hash(const Key& k) {
        uint64_t h = 0;
        for (size_t i = 0; i < N; i += 2) {
            const uint64_t lo = static_cast<uint32_t>(k[i]);
            const uint64_t hi = i + 1 < N ? static_cast<uint64_t>(static_cast<uint32_t>(k[i + 1])) << 32 : 0;
            h += ((lo | hi) + 0x9E3779B97F4A7C15ull * (i + 1)) * (0xBF58476D1CE4E5B9ull + 2 * i);
        }
        h ^= h >> 30;
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBull;
        return h ^ (h >> 31);
    }
    static bool same(const Key& x, const Key& y) {  // inline: std::array's == calls memcmp
        for (size_t i = 0; i < N; ++i)
            if (x[i] != y[i]) return false;
        return true;
    }
    size_t slot(const Key& k) const {
        const size_t mask = m_slots.size() - 1;
        for (size_t i = hash(k) & mask;; i = (i + 1) & mask)
            if (m_slots[i].index < 0 || same(m_slots[i].key, k)) return i;
    }
    void grow() {
        std::vector<Slot> old = std::move(m_slots);
        m_slots.assign(old.empty() ? 16 : old.size() * 2, Slot{});
        for (const Slot& s : old)
            if (s.index >= 0) m_slots[slot(s.key)] = s;
    }
    std::vector<Slot> m_slots;
    std::vector<Value> m_values;
};

}  // namespace dfsim
