// inspection_report.h — an Inspection rendered three ways from the same numbers: JSON for
// programs (inspection_json.cc), a text summary for the terminal (inspection_text.cc), and one
// self-contained HTML page (inspection_html.cc: inline SVG, CSS and a little script, no
// network) whose embedded data block is exactly the JSON.
#pragma once
#include <string>

#include "bert/inspect/inspection.h"

namespace bert {

// The JSON text of an Inspection (one line). Floats are written in their shortest form that reads
// back as the same fp32 value.
std::string inspection_json(const Inspection& inspection);

// The terminal summary: tokens, the final top-k at each lens position, parameter totals against
// the closed form, each head's role, and the gradient check's worst error when present.
std::string inspection_text(const Inspection& inspection);

// The HTML page: tokens and ids; the layer × head overview of attention maps (click one, or open
// the page at #layer=L&head=H, to see it large with token labels); head roles; the logit lens;
// hidden-state norms through the layers; the parameter table; the gradient check when present.
std::string inspection_html(const Inspection& inspection);

}  // namespace bert
