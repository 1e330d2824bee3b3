// basic.cc — the basic tokenizer: an ASCII fast path (byte tables) and a Unicode path (utf8proc).
#include "bert/tokenizer/basic.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>

#include "bert/tokenizer/charclass.h"
#include "bert/tokenizer/utf8.h"
#include "core/error.h"

namespace bert {

namespace {

// ASCII lowercase by table.
constexpr std::array<char, 128> make_lower() {
  std::array<char, 128> t{};
  for (int c = 0; c < 128; ++c) t[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return t;
}
constexpr std::array<char, 128> kLower = make_lower();

// A code point with the source byte range [b, e) of the input character it came from.
struct Cp {
  char32_t c;
  uint32_t b, e;
};

// Appends characters to the current word of a Words buffer, recording source ranges.
class WordWriter {
 public:
  WordWriter(Words& out, uint32_t base) : out_(out), base_(base) {}
  ~WordWriter() { close(); }

  // Appends one ASCII byte coming from source byte `at`.
  void put_ascii(char c, size_t at) {
    open();
    out_.chars.push_back(c);
    if (out_.track_offsets) push_src(at, at + 1, 1);
  }
  // Appends one code point coming from source range [b, e).
  void put(char32_t c, uint32_t b, uint32_t e) {
    open();
    const size_t before = out_.chars.size();
    append_utf8(out_.chars, c);
    if (out_.track_offsets) push_src(b, e, out_.chars.size() - before);
  }
  // Appends raw source bytes text[b, e) unchanged.
  void put_raw(std::string_view text, size_t b, size_t e) {
    open();
    out_.chars.append(text.data() + b, e - b);
    if (out_.track_offsets)
      for (size_t k = b; k < e; ++k) push_src(k, k + 1, 1);
  }
  // Ends the current word (no-op when none is open or it is empty).
  void close() {
    if (!open_) return;
    open_ = false;
    const auto end = static_cast<uint32_t>(out_.chars.size());
    if (end > start_) out_.spans.push_back({start_, end});
  }

 private:
  void open() {
    if (open_) return;
    open_ = true;
    start_ = static_cast<uint32_t>(out_.chars.size());
  }
  void push_src(size_t b, size_t e, size_t nbytes) {
    for (size_t k = 0; k < nbytes; ++k) {
      out_.src_begin.push_back(base_ + static_cast<uint32_t>(b));
      out_.src_end.push_back(base_ + static_cast<uint32_t>(e));
    }
  }

  Words& out_;
  uint32_t base_;
  uint32_t start_ = 0;
  bool open_ = false;
};

// Reorders runs of combining marks by canonical combining class (the last step of NFD).
void canonical_reorder(std::vector<Cp>& cps) {
  for (size_t i = 1; i < cps.size(); ++i) {
    if (cps[i].c < 0x300) continue;
    const int cc = combining_class(cps[i].c);
    if (cc == 0) continue;
    for (size_t j = i; j > 0 && combining_class(cps[j - 1].c) > cc; --j) std::swap(cps[j - 1], cps[j]);
  }
}

// Appends the canonical decomposition of c (source range [b, e)) to out.
void decompose(char32_t c, uint32_t b, uint32_t e, std::vector<Cp>& out) {
  if (c < 0xC0) { out.push_back({c, b, e}); return; }
  utf8proc_int32_t buf[16];
  int boundclass = 0;
  const auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 16,
                                         UTF8PROC_DECOMPOSE, &boundclass);
  NN_CHECK(n > 0 && n <= 16, "tokenizer: cannot decompose U+", static_cast<uint32_t>(c));
  for (utf8proc_ssize_t k = 0; k < n; ++k) out.push_back({static_cast<char32_t>(buf[k]), b, e});
}

// Uncased rules: lowercase, NFD, drop Mn (HuggingFace: token.lower() then _run_strip_accents).
void normalize_uncased(const std::vector<Cp>& in, std::vector<Cp>& out) {
  out.clear();
  for (const Cp& cp : in) {
    const auto lower = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp.c)));
    decompose(lower, cp.b, cp.e, out);
  }
  canonical_reorder(out);
  std::erase_if(out, [](const Cp& cp) { return cp.c >= 0x300 && is_nonspacing_mark(cp.c); });
}

// NFC of a code point sequence (decompose, reorder, compose), source ranges dropped.
void nfc(const Cp* in, size_t n, std::vector<Cp>& scratch, std::vector<utf8proc_int32_t>& out) {
  scratch.clear();
  for (size_t k = 0; k < n; ++k) decompose(in[k].c, in[k].b, in[k].e, scratch);
  canonical_reorder(scratch);
  out.resize(scratch.size());
  for (size_t k = 0; k < scratch.size(); ++k) out[k] = static_cast<utf8proc_int32_t>(scratch[k].c);
  const auto len = utf8proc_normalize_utf32(out.data(), static_cast<utf8proc_ssize_t>(out.size()),
                                            UTF8PROC_COMPOSE);
  NN_CHECK(len >= 0, "tokenizer: NFC composition failed");
  out.resize(static_cast<size_t>(len));
}

// Cased rules: NFC (HuggingFace normalises every text to NFC before splitting). Source ranges are
// exact when NFC changes nothing or works within each starter+marks cluster; otherwise every
// character gets the whole token's range.
void normalize_cased(const std::vector<Cp>& in, std::vector<Cp>& out) {
  static thread_local std::vector<Cp> scratch;
  static thread_local std::vector<utf8proc_int32_t> whole, part;
  out.clear();
  bool simple = true;
  for (const Cp& cp : in) simple = simple && cp.c < 0x300;
  if (simple) { out = in; return; }
  nfc(in.data(), in.size(), scratch, whole);
  bool same = whole.size() == in.size();
  for (size_t k = 0; same && k < in.size(); ++k) same = static_cast<char32_t>(whole[k]) == in[k].c;
  if (same) { out = in; return; }
  // Cluster by cluster: a cluster is a character with combining class 0 and the marks after it.
  for (size_t s = 0; s < in.size();) {
    size_t e = s + 1;
    while (e < in.size() && combining_class(in[e].c) != 0) ++e;
    nfc(in.data() + s, e - s, scratch, part);
    for (const auto c : part) out.push_back({static_cast<char32_t>(c), in[s].b, in[e - 1].e});
    s = e;
  }
  bool clusters_agree = out.size() == whole.size();
  for (size_t k = 0; clusters_agree && k < out.size(); ++k)
    clusters_agree = out[k].c == static_cast<char32_t>(whole[k]);
  if (clusters_agree) return;
  out.clear();
  for (const auto c : whole) out.push_back({static_cast<char32_t>(c), in.front().b, in.back().e});
}

}  // namespace

void Words::clear() {
  chars.clear();
  spans.clear();
  src_begin.clear();
  src_end.clear();
}

BasicTokenizer::BasicTokenizer(bool lower_case, std::vector<std::string> never_split)
    : lower_case_(lower_case), never_split_(std::move(never_split)) {
  std::erase_if(never_split_, [](const std::string& s) { return s.empty(); });
  for (const std::string& s : never_split_) first_byte_[static_cast<unsigned char>(s[0])] = true;
}

size_t BasicTokenizer::match_never_split(std::string_view text, size_t pos) const {
  size_t best = 0;
  for (const std::string& s : never_split_)
    if (s.size() > best && text.substr(pos, s.size()) == s) best = s.size();
  return best;
}

bool BasicTokenizer::is_never_split(std::string_view token) const {
  return std::find(never_split_.begin(), never_split_.end(), token) != never_split_.end();
}

void BasicTokenizer::split(std::string_view text, Words& out, uint32_t base) const {
  NN_CHECK(text.size() + base < (size_t{1} << 32), "tokenizer: text of ", text.size(),
           " bytes is too long (limit 4 GiB)");
  size_t segment = 0;
  if (!never_split_.empty()) {
    for (size_t i = 0; i < text.size();) {
      if (!first_byte_[static_cast<unsigned char>(text[i])]) { ++i; continue; }
      const size_t len = match_never_split(text, i);
      if (len == 0) { ++i; continue; }
      split_segment(text, segment, i, out, base);
      WordWriter(out, base).put_raw(text, i, i + len);
      i += len;
      segment = i;
    }
  }
  split_segment(text, segment, text.size(), out, base);
}

void BasicTokenizer::split_segment(std::string_view text, size_t from, size_t to, Words& out,
                                   uint32_t base) const {
  size_t start = 0;
  bool open = false, ascii = true;
  for (size_t i = from; i < to;) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      const CharKind kind = kAsciiKind[c];
      if (kind == CharKind::space) {
        if (open) emit_token(text, start, i, ascii, out, base);
        open = false;
      } else if (kind == CharKind::drop) {
        ascii = false;  // dropped inside a token: take the general path
      } else if (!open) {
        open = true;
        ascii = true;
        start = i;
      }
      ++i;
      continue;
    }
    size_t next = i;
    const char32_t cp = decode_utf8(text.substr(0, to), next);
    switch (classify_non_ascii(cp)) {
      case CharKind::space:
        if (open) emit_token(text, start, i, ascii, out, base);
        open = false;
        break;
      case CharKind::drop:
        ascii = false;
        break;
      case CharKind::cjk:
        if (open) emit_token(text, start, i, ascii, out, base);
        open = false;
        emit_token(text, i, next, false, out, base);
        break;
      default:
        if (!open) { open = true; start = i; }
        ascii = false;
        break;
    }
    i = next;
  }
  if (open) emit_token(text, start, to, ascii, out, base);
}

void BasicTokenizer::emit_token(std::string_view text, size_t from, size_t to, bool ascii,
                                Words& out, uint32_t base) const {
  WordWriter w(out, base);
  if (ascii) {  // exact special tokens were cut out before: none can be left here
    for (size_t k = from; k < to; ++k) {
      const auto c = static_cast<unsigned char>(text[k]);
      if (kAsciiKind[c] == CharKind::punct) {
        w.close();
        w.put_ascii(static_cast<char>(c), k);
        w.close();
      } else {
        w.put_ascii(lower_case_ ? kLower[c] : static_cast<char>(c), k);
      }
    }
    return;
  }
  static thread_local std::vector<Cp> cleaned, normalized;
  static thread_local std::string cleaned_text;
  cleaned.clear();
  const std::string_view token = text.substr(0, to);
  for (size_t k = from; k < to;) {
    const size_t b = k;
    const char32_t cp = decode_utf8(token, k);
    if (classify(cp) != CharKind::drop)
      cleaned.push_back({cp, static_cast<uint32_t>(b), static_cast<uint32_t>(k)});
  }
  if (cleaned.empty()) return;
  // A special token can reappear once cleaning drops characters inside it. HuggingFace keeps it
  // whole then, but only for cased text: uncased text was lowercased before and cannot match.
  if (!lower_case_ && cleaned[0].c < 128 && first_byte_[cleaned[0].c]) {
    cleaned_text.clear();
    for (const Cp& cp : cleaned) append_utf8(cleaned_text, cp.c);
    if (is_never_split(cleaned_text)) {
      for (const Cp& cp : cleaned) w.put(cp.c, cp.b, cp.e);
      return;
    }
  }
  if (lower_case_) normalize_uncased(cleaned, normalized);
  else normalize_cased(cleaned, normalized);
  for (const Cp& cp : normalized) {
    if (is_punctuation(cp.c)) {
      w.close();
      w.put(cp.c, cp.b, cp.e);
      w.close();
    } else {
      w.put(cp.c, cp.b, cp.e);
    }
  }
}

std::vector<std::string> BasicTokenizer::words(std::string_view text) const {
  Words out;
  split(text, out);
  std::vector<std::string> result;
  result.reserve(out.spans.size());
  for (size_t i = 0; i < out.spans.size(); ++i) result.emplace_back(out.word(i));
  return result;
}

}  // namespace bert
