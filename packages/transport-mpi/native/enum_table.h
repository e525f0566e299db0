// Enums that JavaScript shares with the addon, each written once as an X-macro list of
// X(CppMember, "JsName", value): the macro makes both the C++ enum (or constants) and the
// table the addon exports as `enums` (addon.cc). src/native.ts asserts at load that every
// exported table equals what TypeScript declares, so a stale addon build fails loudly
// instead of mixing up codes. No V8 here: the tables are plain data.
#pragma once

#include <cstddef>

namespace fmpi {

struct EnumEntry {
  const char* name;  // the member's name in src/native.ts
  double value;
};

/** One exported table: its key under `enums` and its entries. */
struct EnumTable {
  const char* name;
  const EnumEntry* entries;
  size_t count;
};

}  // namespace fmpi

/** Expands an X-macro list into enum members (`member = value,`). */
#define FMPI_ENUM_MEMBER(member, js, value) member = value,
/** Expands an X-macro list into EnumEntry initializers. */
#define FMPI_ENUM_ENTRY(member, js, value) ::fmpi::EnumEntry{js, static_cast<double>(value)},
