// Open-addressing hash table from byte-string keys to dense ids. Keys live in
// one arena; lookups take (pointer, length) and never allocate.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "rng.h"

namespace csgen {

class KeyTable {
 public:
  static constexpr int32_t kMissing = -1;

  int32_t find(const char* key, size_t len) const {
    if (slots_.empty()) return kMissing;
    const uint64_t h = hash_bytes(reinterpret_cast<const uint8_t*>(key), len);
    for (size_t pos = h & mask_;; pos = (pos + 1) & mask_) {
      const uint32_t slot = slots_[pos];
      if (slot == 0) return kMissing;
      const Entry& e = entries_[slot - 1];
      if (e.hash == h && e.len == len && std::memcmp(arena_.data() + e.off, key, len) == 0)
        return static_cast<int32_t>(slot - 1);
    }
  }

  // Returns the id of key, inserting it when new.
  int32_t insert(const std::string& key) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    const uint64_t h = hash_bytes(reinterpret_cast<const uint8_t*>(key.data()), key.size());
    size_t pos = h & mask_;
    for (;; pos = (pos + 1) & mask_) {
      const uint32_t slot = slots_[pos];
      if (slot == 0) break;
      const Entry& e = entries_[slot - 1];
      if (e.hash == h && e.len == key.size() &&
          std::memcmp(arena_.data() + e.off, key.data(), key.size()) == 0)
        return static_cast<int32_t>(slot - 1);
    }
    entries_.push_back(Entry{h, static_cast<uint32_t>(arena_.size()),
                             static_cast<uint32_t>(key.size())});
    arena_ += key;
    slots_[pos] = static_cast<uint32_t>(entries_.size());
    return static_cast<int32_t>(entries_.size() - 1);
  }

  size_t size() const { return entries_.size(); }
  std::string key(int32_t id) const {
    const Entry& e = entries_[static_cast<size_t>(id)];
    return arena_.substr(e.off, e.len);
  }

 private:
  struct Entry {
    uint64_t hash;
    uint32_t off;
    uint32_t len;
  };

  void grow() {
    const size_t cap = slots_.empty() ? 64 : slots_.size() * 2;
    slots_.assign(cap, 0);
    mask_ = cap - 1;
    for (size_t i = 0; i < entries_.size(); ++i) {
      size_t pos = entries_[i].hash & mask_;
      while (slots_[pos] != 0) pos = (pos + 1) & mask_;
      slots_[pos] = static_cast<uint32_t>(i + 1);
    }
  }

  std::vector<uint32_t> slots_;  // 0 = empty, else entry id + 1
  std::vector<Entry> entries_;
  std::string arena_;
  size_t mask_ = 0;
};

}  // namespace csgen
