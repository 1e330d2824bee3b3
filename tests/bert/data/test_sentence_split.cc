// test_sentence_split.cc — the rule-based sentence splitter: boundaries, abbreviations, initials,
// decimals, quotes and brackets, whitespace, and the single-sentence test of format detection.
#include <catch2/catch.hpp>

#include "bert/data/sentence_split.h"

using bert::is_single_sentence;
using bert::split_sentences;
using Sentences = std::vector<std::string>;

TEST_CASE("split: sentences end after . ! ? before an uppercase letter or digit", "[data][split]") {
  CHECK(split_sentences("Hello world. This is a test.") == Sentences{"Hello world.", "This is a test."});
  CHECK(split_sentences("Really? Yes! 42 is the answer.") ==
        Sentences{"Really?", "Yes!", "42 is the answer."});
  CHECK(split_sentences("Wait?! Go.") == Sentences{"Wait?!", "Go."});
  CHECK(split_sentences("Hmm... Then it ended.") == Sentences{"Hmm...", "Then it ended."});
}

TEST_CASE("split: no boundary before lowercase, inside decimals, or at the end", "[data][split]") {
  CHECK(split_sentences("It costs 3.14 dollars. Cheap.") == Sentences{"It costs 3.14 dollars.", "Cheap."});
  CHECK(split_sentences("version 2.0 is out. so is 3.1.") == Sentences{"version 2.0 is out. so is 3.1."});
  CHECK(split_sentences("No final stop") == Sentences{"No final stop"});
  CHECK(split_sentences("").empty());
  CHECK(split_sentences("   \n ").empty());
}

TEST_CASE("split: abbreviations and initials do not end sentences", "[data][split]") {
  CHECK(split_sentences("Mr. Smith met Dr. Jones. They talked.") ==
        Sentences{"Mr. Smith met Dr. Jones.", "They talked."});
  CHECK(split_sentences("Use tools, e.g. Make, i.e. Ninja. Done.") ==
        Sentences{"Use tools, e.g. Make, i.e. Ninja.", "Done."});
  CHECK(split_sentences("J. R. R. Tolkien wrote it. He died.") ==
        Sentences{"J. R. R. Tolkien wrote it.", "He died."});
  CHECK(split_sentences("The U.S. Army vs. Navy. Etc.") == Sentences{"The U.S. Army vs. Navy.", "Etc."});
  CHECK(split_sentences("See No. 5 and St. Paul, Mrs. Brown etc. Here.") ==
        Sentences{"See No. 5 and St. Paul, Mrs. Brown etc. Here."});
}

TEST_CASE("split: closing quotes and brackets stay with their sentence", "[data][split]") {
  CHECK(split_sentences("He said \"Stop.\" Then he left.") ==
        Sentences{"He said \"Stop.\"", "Then he left."});
  CHECK(split_sentences("(An aside.) Next one.") == Sentences{"(An aside.)", "Next one."});
  CHECK(split_sentences("It ended. \"Why?\" she asked.") == Sentences{"It ended.", "\"Why?\" she asked."});
  CHECK(split_sentences("Curly \u201Cquotes.\u201D Work too.") ==
        Sentences{"Curly \u201Cquotes.\u201D", "Work too."});
}

TEST_CASE("split: whitespace runs and newlines collapse to one space", "[data][split]") {
  CHECK(split_sentences("  A  wrapped\nline. And\tanother\n") == Sentences{"A wrapped line.", "And another"});
}

TEST_CASE("split: is_single_sentence", "[data][split]") {
  CHECK(is_single_sentence("One sentence."));
  CHECK(is_single_sentence("Quoted \"end.\""));
  CHECK(is_single_sentence("Is it?"));
  CHECK_FALSE(is_single_sentence("No terminal punctuation"));
  CHECK_FALSE(is_single_sentence("Two sentences. Here."));
  CHECK_FALSE(is_single_sentence(""));
}
