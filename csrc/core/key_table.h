// Open-addressing hash table from byte-string keys to dense ids, each id
// carrying a Payload. Lookups take (pointer, length) and never allocate.
//
// Layout is chosen for lookups that miss the CPU caches (a 100k-key lexicon
// is several MB): a slot holds upper hash bits, so probes that do not match
// never touch an entry; an entry holds keys of up to 12 bytes inline next to
// its payload, so a hit on a short key reads one more cache line, not three.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "rng.h"

namespace csgen {

template <typename Payload>
class KeyTable {
 public:
  static constexpr int32_t kMissing = -1;
  static constexpr size_t kInline = 12;

  static uint64_t hash(const char* key, size_t len) {
    return hash_bytes(reinterpret_cast<const uint8_t*>(key), len);
  }

  int32_t find(const char* key, size_t len) const { return find(key, len, hash(key, len)); }

  int32_t find(const char* key, size_t len, uint64_t h) const {
    if (slots_.empty()) return kMissing;
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t pos = h & mask_;; pos = (pos + 1) & mask_) {
      const Slot slot = slots_[pos];
      if (slot.id == 0) return kMissing;
      if (slot.tag == tag && equals(entries_[slot.id - 1], key, len))
        return static_cast<int32_t>(slot.id - 1);
    }
  }

  // Returns the id of key, inserting it (with a default payload) when new.
  int32_t insert(const std::string& key) {
    if ((entries_.size() + 1) * 4 > slots_.size() * 3) grow();
    const uint64_t h = hash_bytes(reinterpret_cast<const uint8_t*>(key.data()), key.size());
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    size_t pos = h & mask_;
    for (;; pos = (pos + 1) & mask_) {
      const Slot slot = slots_[pos];
      if (slot.id == 0) break;
      if (slot.tag == tag && equals(entries_[slot.id - 1], key.data(), key.size()))
        return static_cast<int32_t>(slot.id - 1);
    }
    Entry e{};
    e.len = static_cast<uint32_t>(key.size());
    if (key.size() <= kInline) {
      std::memcpy(e.key.bytes, key.data(), key.size());
    } else {
      e.key.offset = static_cast<uint32_t>(arena_.size());
      arena_ += key;
    }
    entries_.push_back(e);
    hashes_.push_back(h);
    slots_[pos] = Slot{tag, static_cast<uint32_t>(entries_.size())};
    return static_cast<int32_t>(entries_.size() - 1);
  }

  // Whether entry id's key is key[0, len).
  bool key_equals(int32_t id, const char* key, size_t len) const {
    return equals(entries_[static_cast<size_t>(id)], key, len);
  }

  Payload& payload(int32_t id) { return entries_[static_cast<size_t>(id)].payload; }
  const Payload& payload(int32_t id) const { return entries_[static_cast<size_t>(id)].payload; }
  size_t size() const { return entries_.size(); }
  std::string key(int32_t id) const {
    const Entry& e = entries_[static_cast<size_t>(id)];
    return e.len <= kInline ? std::string(e.key.bytes, e.len) : arena_.substr(e.key.offset, e.len);
  }

 private:
  struct Slot {
    uint32_t tag;
    uint32_t id;  // 0 = empty, else entry id + 1
  };
  struct Entry {
    uint32_t len;
    union {
      char bytes[kInline];
      uint32_t offset;  // into arena_ when len > kInline
    } key;
    Payload payload;
  };

  bool equals(const Entry& e, const char* key, size_t len) const {
    if (e.len != len) return false;
    if (len > kInline) return std::memcmp(arena_.data() + e.key.offset, key, len) == 0;
    // Short keys: two overlapping loads cover every byte, no library call.
    const char* a = e.key.bytes;
    if (len >= 8) return load(a, 8) == load(key, 8) && load(a + len - 8, 8) == load(key + len - 8, 8);
    if (len >= 4) return load(a, 4) == load(key, 4) && load(a + len - 4, 4) == load(key + len - 4, 4);
    return len == 0 || (a[0] == key[0] && a[len >> 1] == key[len >> 1] && a[len - 1] == key[len - 1]);
  }

  static uint64_t load(const char* p, size_t n) {  // n is 4 or 8
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    return w;
  }

  void grow() {
    const size_t cap = slots_.empty() ? 64 : slots_.size() * 2;
    slots_.assign(cap, Slot{0, 0});
    mask_ = cap - 1;
    for (size_t i = 0; i < entries_.size(); ++i) {
      size_t pos = hashes_[i] & mask_;
      while (slots_[pos].id != 0) pos = (pos + 1) & mask_;
      slots_[pos] = Slot{static_cast<uint32_t>(hashes_[i] >> 32), static_cast<uint32_t>(i + 1)};
    }
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> hashes_;  // for rehashing only
  std::string arena_;
  size_t mask_ = 0;
};

}  // namespace csgen
