// The switcher's view of a lexicon's keys: a flat open-addressing table laid
// out for lookups that miss the CPU caches (a 100k-key lexicon is megabytes).
//
// Each 32-byte slot (two per cache line, never straddling one) holds the
// first 16 bytes of a folded key, its length, the node's flags and languages,
// so deciding whether a word of up to 16 bytes (nearly every word) is a key,
// an entry, a prefix of longer keys and in which languages reads one cache
// line, hit or miss, and never the node itself. Keys are hashed from those
// same 16 bytes and the length, so the hash of a word can be computed, and
// its slot prefetched, before the lookup. Load factor at most 1/3: a word not in the
// lexicon then mostly finds an empty slot first, and its probe ends there.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace csgen {

struct alignas(32) IndexSlot {
  uint64_t k0 = 0, k1 = 0;  // first 16 key bytes, zero-padded (simd::fold16 / pack16)
  uint64_t langs = 0;       // LexiconNode::langs
  uint32_t id = 0;          // node id + 1; 0 marks an empty slot
  uint16_t len = 0;         // key length, capped at 0xFFFF (longer: compared in full)
  uint8_t flags = 0;        // kSlot* below
  uint8_t reserved = 0;
};
static_assert(sizeof(IndexSlot) == 32, "two slots per cache line");

enum : uint8_t {
  kSlotEntry = 1,        // a key of its own (LexiconNode::is_entry)
  kSlotLonger = 2,       // some longer key extends it (LexiconNode::has_longer)
  kSlotIdentity = 4,     // LexiconNode::langs_identity != langs (read the node then)
};

class LexIndex {
 public:
  static uint64_t hash(uint64_t k0, uint64_t k1, size_t len) {
    uint64_t h = k0 * 0x9e3779b97f4a7c15ull ^ (k1 + len) * 0xc2b2ae3d27d4eb4full;
    h ^= h >> 29;
    return h * 0xbf58476d1ce4e5b9ull;
  }

  // Sized for n keys; slots are then placed with insert().
  void reset(size_t n) {
    size_t cap = 64;
    while (cap < 3 * n) cap *= 2;
    slots_.assign(cap, IndexSlot{});
    mask_ = cap - 1;
    shift_ = 64 - __builtin_ctzll(cap);
  }
  void insert(const IndexSlot& slot, uint64_t h) {
    size_t pos = h >> shift_;
    while (slots_[pos].id != 0) pos = (pos + 1) & mask_;
    slots_[pos] = slot;
  }

  void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h >> shift_]); }

  // The slot of the key whose first 16 bytes are k0/k1 and whose length is
  // len, or nullptr. Keys longer than 16 bytes are confirmed by equal(id, len).
  template <typename Equal>
  const IndexSlot* find(uint64_t k0, uint64_t k1, size_t len, uint64_t h, Equal equal) const {
    const uint16_t l16 = static_cast<uint16_t>(len < 0xFFFF ? len : 0xFFFF);
    for (size_t pos = h >> shift_;; pos = (pos + 1) & mask_) {
      const IndexSlot& s = slots_[pos];
      if (s.id == 0) return nullptr;
      if (s.k0 == k0 && s.k1 == k1 && s.len == l16 &&
          (len <= 16 || equal(static_cast<int32_t>(s.id - 1))))
        return &s;
    }
  }

  bool empty() const { return slots_.empty(); }
  const IndexSlot* slots() const { return slots_.data(); }
  size_t mask() const { return mask_; }
  int shift() const { return shift_; }

 private:
  std::vector<IndexSlot> slots_;
  size_t mask_ = 0;
  int shift_ = 64;
};

}  // namespace csgen
