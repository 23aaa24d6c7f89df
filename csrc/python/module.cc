// pybind11 binding of the csgen core: borrow Arrow buffers, check them with
// the GIL held, release the GIL, call the core, hand the results to numpy
// without copying (each buffer is freed by its capsule). No logic lives here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../core/common.h"
#include "../core/lexicon.h"
#include "../core/rng.h"
#include "../core/segment.h"
#include "../core/switcher.h"
#include "../core/unicode_tables.h"

namespace py = pybind11;
using namespace csgen;

namespace {

PyObject* g_core_error = nullptr;

struct CoreException {
  Status status;
};

void check(const Status& st) {
  if (!st.ok()) throw CoreException{st};
}

// Borrowed view of an Arrow string column given as its buffers. The
// buffer_info objects keep the exporters' views alive for the call.
struct ColumnArg {
  std::optional<py::buffer_info> validity, offsets, data;
  StringColumnView view;
};

std::optional<py::buffer_info> request(const py::object& obj) {
  if (obj.is_none()) return std::nullopt;
  return py::reinterpret_borrow<py::buffer>(obj).request();
}

ColumnArg column_arg(const py::object& validity, const py::object& offsets, const py::object& data,
                     int64_t offset, int64_t length, bool large) {
  ColumnArg arg;
  arg.validity = request(validity);
  arg.offsets = request(offsets);
  arg.data = request(data);
  StringColumnView& v = arg.view;
  v.offset = offset;
  v.length = length;
  v.large = large;
  if (offset < 0 || length < 0)
    check(Status::Error(Code::kInvalidArgument, "negative array offset or length"));
  const int64_t width = large ? 8 : 4;
  if (length > 0) {
    if (!arg.offsets || arg.offsets->size * arg.offsets->itemsize < (offset + length + 1) * width)
      check(Status::Error(Code::kBadOffsets, "offsets buffer shorter than the array"));
    v.offsets = arg.offsets->ptr;
  }
  if (arg.validity) {
    if (arg.validity->size * arg.validity->itemsize < (offset + length + 7) / 8)
      check(Status::Error(Code::kBadOffsets, "validity bitmap shorter than the array"));
    v.validity = static_cast<const uint8_t*>(arg.validity->ptr);
  }
  if (arg.data) {
    v.data = static_cast<const uint8_t*>(arg.data->ptr);
    v.data_size = arg.data->size * arg.data->itemsize;
  }
  return arg;
}

template <typename T>
py::array_t<T> to_numpy(RawBuffer& buf, size_t count) {
  void* ptr = buf.release();
  py::capsule owner(ptr, [](void* p) { std::free(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(count)}, {static_cast<py::ssize_t>(sizeof(T))},
                        static_cast<T*>(ptr), owner);
}

template <typename T>
py::array_t<T> copy_to_numpy(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
  return a;
}

py::array_t<uint8_t> bytes_to_numpy(const std::string& s) {
  py::array_t<uint8_t> a(static_cast<py::ssize_t>(s.size()));
  if (!s.empty()) std::memcpy(a.mutable_data(), s.data(), s.size());
  return a;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "csgen C++ core (internal; use the csgen package API)";
  g_core_error = PyErr_NewException("csgen._core.CoreError", PyExc_RuntimeError, nullptr);
  m.attr("CoreError") = py::handle(g_core_error);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const CoreException& e) {
      py::tuple args = py::make_tuple(static_cast<int>(e.status.code), e.status.message,
                                      e.status.row, e.status.byte);
      PyErr_SetObject(g_core_error, args.ptr());
    }
  });
  m.attr("UNICODE_VERSION") = unicode::kUnicodeVersion;
  // Output version of the switching engine (switcher.h kEngineVersion): callers
  // record it and refuse to mix outputs of two versions.
  m.attr("ENGINE_VERSION") = kEngineVersion;
  m.attr("MIN_BYTES_PER_THREAD") = SwitchOptions{}.min_bytes_per_thread;

  m.def(
      "segment",
      [](py::buffer text) {
        py::buffer_info info = text.request();
        std::vector<Token> toks;
        {
          py::gil_scoped_release release;
          check(segment(static_cast<const uint8_t*>(info.ptr),
                        static_cast<size_t>(info.size * info.itemsize), &toks));
        }
        py::array_t<int64_t> starts(toks.size()), ends(toks.size());
        py::array_t<uint8_t> kinds(toks.size());
        for (size_t i = 0; i < toks.size(); ++i) {
          starts.mutable_at(i) = toks[i].start;
          ends.mutable_at(i) = toks[i].end;
          kinds.mutable_at(i) = toks[i].kind;
        }
        return py::make_tuple(starts, ends, kinds);
      },
      py::arg("text"), "UTF-8 bytes -> (start int64[n], end int64[n], kind uint8[n]) tokens.");

  m.def(
      "parse_pairs",
      [](py::buffer data, int split, std::string separator, bool allow_weight, bool skip_bad) {
        if (split < 0 || split > 2) check(Status::Error(Code::kInvalidArgument, "bad split mode"));
        py::buffer_info info = data.request();
        PairFormat fmt;
        fmt.split = static_cast<PairFormat::Split>(split);
        fmt.separator = std::move(separator);
        fmt.allow_weight = allow_weight;
        fmt.skip_bad = skip_bad;
        ParsedPairs parsed;
        Status st;
        {
          py::gil_scoped_release release;
          st = parse_pairs(static_cast<const uint8_t*>(info.ptr),
                           static_cast<size_t>(info.size * info.itemsize), fmt, &parsed);
        }
        check(st);
        py::dict out;
        out["source_data"] = bytes_to_numpy(parsed.source_data);
        out["source_offsets"] = copy_to_numpy(parsed.source_offsets);
        out["target_data"] = bytes_to_numpy(parsed.target_data);
        out["target_offsets"] = copy_to_numpy(parsed.target_offsets);
        out["weight"] = copy_to_numpy(parsed.weight);
        out["line"] = copy_to_numpy(parsed.line);
        out["bad_lines"] = parsed.bad_lines;
        out["first_bad_line"] = parsed.first_bad_line;
        out["first_bad_reason"] = parsed.first_bad_reason;
        return out;
      },
      py::arg("data"), py::arg("split") = 0, py::arg("separator") = "",
      py::arg("allow_weight") = false, py::arg("skip_bad") = false,
      "Dictionary file bytes -> packed source/target strings, weights and lines.");

  m.def(
      "hash_strings",
      [](py::object validity, py::object offsets, py::object data, int64_t offset, int64_t length,
         bool large, uint64_t seed) {
        ColumnArg col = column_arg(validity, offsets, data, offset, length, large);
        check(validate_offsets(col.view));
        py::array_t<uint64_t> out(static_cast<py::ssize_t>(length));
        uint64_t* dst = out.mutable_data();
        {
          py::gil_scoped_release release;
          const StringColumnView& v = col.view;
          for (int64_t i = 0; i < length; ++i) {
            const int64_t a = v.value_offset(i), b = v.value_offset(i + 1);
            dst[i] = v.is_valid(i) ? hash_bytes(v.data + a, static_cast<size_t>(b - a), seed)
                                   : mix64(seed ^ 0x6e756c6cull);  // "null"
          }
        }
        return out;
      },
      "Stable 64-bit hashes of a string column's values: uint64[length].");

  m.def("hash_bytes", [](py::bytes b, uint64_t seed) {
    std::string s = b;
    return hash_bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size(), seed);
  });

  py::class_<KeySet, std::shared_ptr<KeySet>>(m, "KeySet")
      .def(py::init([](const std::vector<std::string>& words) {
        auto set = std::make_shared<KeySet>();
        for (const std::string& w : words) check(set->add(w));
        return set;
      }))
      .def("__len__", &KeySet::size);

  py::class_<Lexicon, std::shared_ptr<Lexicon>>(m, "CompiledLexicon")
      .def_static(
          "build",
          [](py::tuple src, py::tuple tgt, py::array_t<int32_t, py::array::c_style> lang,
             std::optional<py::array_t<double, py::array::c_style>> weight, int n_langs) {
            ColumnArg s = column_arg(src[0], src[1], src[2], src[3].cast<int64_t>(),
                                     src[4].cast<int64_t>(), src[5].cast<bool>());
            ColumnArg t = column_arg(tgt[0], tgt[1], tgt[2], tgt[3].cast<int64_t>(),
                                     tgt[4].cast<int64_t>(), tgt[5].cast<bool>());
            if (lang.size() != s.view.length || (weight && weight->size() != s.view.length))
              check(Status::Error(Code::kInvalidArgument, "lang/weight length differs from entries"));
            auto lex = std::make_shared<Lexicon>();
            const int32_t* lang_ptr = lang.data();
            const double* weight_ptr = weight ? weight->data() : nullptr;
            Status st;
            {
              py::gil_scoped_release release;
              st = Lexicon::build(s.view, t.view, lang_ptr, weight_ptr, n_langs, lex.get());
            }
            check(st);
            return lex;
          },
          "Compile (source, target) string columns with int32 language ids and float64 weights.")
      .def_property_readonly("n_keys", &Lexicon::n_keys)
      .def_property_readonly("n_candidates", &Lexicon::n_candidates)
      .def_property_readonly("n_langs", &Lexicon::n_langs)
      .def_property_readonly("max_tokens", &Lexicon::max_tokens)
      .def_property_readonly("build_stats",
                             [](const Lexicon& lex) {
                               const LexiconBuildStats& s = lex.build_stats();
                               py::dict d;
                               d["entries"] = s.entries;
                               d["skipped"] = s.skipped;
                               d["duplicates"] = s.duplicates;
                               d["identity"] = s.identity;
                               d["punct_stripped"] = s.punct_stripped;
                               d["punct_dropped"] = s.punct_dropped;
                               return d;
                             })
      .def_property_readonly(
          "punct_stripped", [](const Lexicon& lex) { return lex.build_stats().punct_stripped; },
          "Entries whose end punctuation, shared by source and target, was stripped.")
      .def_property_readonly(
          "punct_dropped", [](const Lexicon& lex) { return lex.build_stats().punct_dropped; },
          "Entries left out: end punctuation on one side only, or differing.")
      .def(
          "lookup",
          [](const Lexicon& lex, const std::string& phrase) {
            const auto* s = reinterpret_cast<const uint8_t*>(phrase.data());
            std::vector<Token> toks;
            check(segment(s, phrase.size(), &toks, /*keep_spaces=*/false));
            std::string key;
            normalized_key(s, toks, 0, toks.size(), &key);
            py::list out;
            const int32_t id = lex.find(key.data(), key.size());
            if (id < 0 || !lex.node(id).is_entry) return out;
            const LexiconNode& node = lex.node(id);
            for (uint32_t c = node.cand_begin; c < node.cand_end; ++c) {
              const Candidate& cand = lex.candidates()[c];
              out.append(py::make_tuple(
                  cand.lang, py::str(lex.targets() + cand.target_offset, cand.target_length),
                  cand.weight, static_cast<bool>(cand.identity)));
            }
            return out;
          },
          py::arg("phrase"), "Candidates of a phrase: [(lang_id, target, weight, identity)].");

  m.def(
      "switch_column",
      [](std::shared_ptr<Lexicon> lexicon, py::tuple column,
         std::optional<py::array_t<uint64_t, py::array::c_style>> row_keys, uint64_t row_base,
         double ratio, uint64_t seed, uint64_t column_key, int choice, int sampling,
         std::vector<double> lang_weights, bool keep_identity, std::shared_ptr<KeySet> stopwords,
         int threads, bool consistent, py::object protect, int64_t min_bytes_per_thread) {
        ColumnArg col = column_arg(column[0], column[1], column[2], column[3].cast<int64_t>(),
                                   column[4].cast<int64_t>(), column[5].cast<bool>());
        if (row_keys && row_keys->size() != col.view.length)
          check(Status::Error(Code::kInvalidArgument, "row_keys length differs from the column"));
        if (choice < 0 || choice > 2 || sampling < 0 || sampling > 1 || threads < 1 ||
            min_bytes_per_thread < 1)
          check(Status::Error(Code::kInvalidArgument,
                              "bad choice, sampling, threads or min_bytes_per_thread"));
        SwitchOptions opt;
        opt.ratio = ratio;
        opt.seed = seed;
        opt.column_key = column_key;
        opt.choice = static_cast<CandidateChoice>(choice);
        opt.sampling = static_cast<LangSampling>(sampling);
        opt.lang_weights = std::move(lang_weights);
        opt.keep_identity = keep_identity;
        opt.stopwords = stopwords.get();
        opt.threads = threads;
        opt.consistent = consistent;
        opt.min_bytes_per_thread = min_bytes_per_thread;
        const uint64_t* keys = row_keys ? row_keys->data() : nullptr;
        // Protected spans: None or (offsets int64[n_rows + 1], starts, ends),
        // starts/ends both int32 or both int64; sizes checked here, values by the core.
        ProtectedSpans prot;
        py::array_t<int64_t, py::array::c_style> prot_offsets;
        py::array prot_starts, prot_ends;
        const bool has_prot = !protect.is_none();
        if (has_prot) {
          py::tuple t = protect.cast<py::tuple>();
          if (t.size() != 3)
            check(Status::Error(Code::kInvalidArgument,
                                "protect must be (offsets, starts, ends) or None"));
          prot_offsets = t[0].cast<py::array_t<int64_t, py::array::c_style>>();
          prot_starts = t[1].cast<py::array>();
          prot_ends = t[2].cast<py::array>();
          const bool wide = prot_starts.dtype().is(py::dtype::of<int64_t>());
          const auto& want = wide ? py::dtype::of<int64_t>() : py::dtype::of<int32_t>();
          if (!(wide || prot_starts.dtype().is(py::dtype::of<int32_t>())) ||
              !prot_ends.dtype().is(want) || prot_starts.ndim() != 1 || prot_ends.ndim() != 1 ||
              prot_offsets.ndim() != 1)
            check(Status::Error(Code::kInvalidArgument,
                                "protect starts/ends must be 1-d, both int32 or both int64"));
          if (!(prot_starts.flags() & py::array::c_style) ||
              !(prot_ends.flags() & py::array::c_style))
            check(Status::Error(Code::kInvalidArgument, "protect starts/ends must be contiguous"));
          if (prot_offsets.size() != col.view.length + 1)
            check(Status::Error(Code::kInvalidArgument,
                                "protect offsets must have one entry per row plus one"));
          if (prot_starts.size() != prot_ends.size())
            check(Status::Error(Code::kInvalidArgument, "protect starts and ends differ in length"));
          prot.offsets = prot_offsets.data();
          prot.starts = prot_starts.data();
          prot.ends = prot_ends.data();
          prot.large = wide;
          prot.n_rows = col.view.length;
          prot.n = static_cast<int64_t>(prot_starts.size());
        }
        SwitchResult res;
        Status st;
        {
          py::gil_scoped_release release;
          st = switch_column(*lexicon, opt, col.view, keys, row_base, &res,
                             has_prot ? &prot : nullptr);
        }
        check(st);
        const size_t n = static_cast<size_t>(res.length), ns = static_cast<size_t>(res.n_switches);
        py::dict out;
        out["large_offsets"] = res.large_offsets;
        out["offsets"] = res.large_offsets ? py::object(to_numpy<int64_t>(res.offsets, n + 1))
                                           : py::object(to_numpy<int32_t>(res.offsets, n + 1));
        out["data"] = to_numpy<uint8_t>(res.data, res.data.size);
        out["null_count"] = res.null_count;
        out["validity"] = res.null_count ? py::object(to_numpy<uint8_t>(res.validity, res.validity.size))
                                         : py::none();
        out["switch_offsets"] = to_numpy<int32_t>(res.switch_offsets, n + 1);
        out["src_start"] = to_numpy<int32_t>(res.src_start, ns);
        out["src_end"] = to_numpy<int32_t>(res.src_end, ns);
        out["dst_start"] = to_numpy<int32_t>(res.dst_start, ns);
        out["dst_end"] = to_numpy<int32_t>(res.dst_end, ns);
        out["lang"] = to_numpy<int16_t>(res.lang, ns);
        out["n_words"] = to_numpy<int32_t>(res.n_words, n);
        out["n_eligible"] = to_numpy<int32_t>(res.n_eligible, n);
        out["n_switched"] = to_numpy<int32_t>(res.n_switched, n);
        out["lang_switches"] = copy_to_numpy(res.lang_switches);
        out["lang_words"] = copy_to_numpy(res.lang_words);
        out["n_chunks"] = res.n_chunks;
        return out;
      },
      py::arg("lexicon"), py::arg("column"), py::arg("row_keys"), py::arg("row_base"),
      py::arg("ratio"), py::arg("seed"), py::arg("column_key"), py::arg("choice"),
      py::arg("sampling"), py::arg("lang_weights"), py::arg("keep_identity"),
      py::arg("stopwords"), py::arg("threads"), py::arg("consistent") = false,
      py::arg("protect") = py::none(),
      py::arg("min_bytes_per_thread") = SwitchOptions{}.min_bytes_per_thread,
      "Switch one string column given as (validity, offsets, data, offset, length, large); "
      "consistent keys every draw by the unit's folded lexicon key instead of the column and "
      "token index. protect: None or (offsets int64[length + 1], starts, ends) protected byte "
      "ranges per row (starts/ends both int32 or both int64). min_bytes_per_thread: input "
      "bytes each thread needs at least (tests lower it to run small inputs on several "
      "threads); the result's n_chunks says how many row ranges (threads) ran.");
}
