// catch_main.cc — the single Catch2 main shared by every test executable.
// g++ 12 reports a false -Wmaybe-uninitialized inside <regex> (used by Catch2) in the sanitizer
// build; it is not our code, so that warning is off for this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
