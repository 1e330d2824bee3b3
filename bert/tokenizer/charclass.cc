// charclass.cc — Unicode look-ups behind charclass.h (utf8proc's category tables).
#include "bert/tokenizer/charclass.h"

#include <utf8proc.h>

namespace bert {

CharKind classify_non_ascii(char32_t c) {
  // Order matters: cleaning (drop) runs before CJK spacing, as in BERT.
  if (c == 0xFFFD) return CharKind::drop;
  const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  switch (category) {
    case UTF8PROC_CATEGORY_CN: case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS: case UTF8PROC_CATEGORY_CO:
      return CharKind::drop;
    default:
      break;
  }
  if (is_cjk(c)) return CharKind::cjk;
  if (c == 0x2028 || c == 0x2029) return CharKind::space;
  switch (category) {
    case UTF8PROC_CATEGORY_ZS:
      return CharKind::space;
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return CharKind::punct;
    default:
      return CharKind::other;
  }
}

bool is_nonspacing_mark(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_MN;
}

int combining_class(char32_t c) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
}

}  // namespace bert
