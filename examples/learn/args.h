// args.h — the command line every learning-path program takes:
//
//   PROGRAM [--model DIR] [FIGURE_DIR]
//
// FIGURE_DIR, when given, receives the program's SVG figures (created if needed); without it the
// program only prints. --model names a checkpoint directory for the programs that look at a
// trained model (the others refuse it); without it they train a tiny one of their own.
// They run on one thread unless NNBERT_THREADS says otherwise.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/threads.h"

namespace learn {

struct Args {
  std::string figures;  // "" = write no figures
  std::string model;    // "" = train a tiny model
};

inline Args parse_args(int argc, char** argv, bool takes_model) {
  Args a;
  // The tensors here are tiny: a second thread costs more than it gives (and on a machine busy
  // with other work, OpenMP threads waiting for each other cost a lot). NNBERT_THREADS overrides.
  if (!std::getenv("NNBERT_THREADS")) nn::set_num_threads(1);
  const auto usage = [&] {
    std::fprintf(stderr, "usage: %s%s [FIGURE_DIR]\n", argv[0], takes_model ? " [--model DIR]" : "");
    std::exit(2);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--model" && takes_model && i + 1 < argc) {
      a.model = argv[++i];
    } else if (arg == "-h" || arg == "--help" || (!arg.empty() && arg[0] == '-') || !a.figures.empty()) {
      usage();
    } else {
      a.figures = arg;
    }
  }
  return a;
}

}  // namespace learn
