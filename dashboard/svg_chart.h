#pragma once
// Charts drawn on the server as inline SVG: no script, nothing fetched, readable in any browser
// and under a Content-Security-Policy that allows no script at all. Colours come from the
// stylesheet's classes (dashboard/stylesheet.cpp), so the SVG carries no style attribute.

#include <string>
#include <string_view>
#include <vector>

#include "model/em_time.h"

namespace emarchive::dashboard {

struct ChartPoint {
  EmTime time = 0;
  double value = 0;
  std::string_view css_class;  // result_class() of the session it stands for
  std::string href;            // where a click leads, already escaped for an attribute
  std::string title;           // shown on hover, escaped here
};

enum class ChartUnit { duration, bytes };

// A chart of `points` (any order) over time: a line through them in time order, a dot per point
// that links to its href, the value axis from 0 with labels in `unit`, dates below. `label`
// names it for screen readers. With no points: a note saying there is nothing to draw.
std::string render_chart(std::string_view label, std::vector<ChartPoint> points, ChartUnit unit);

}  // namespace emarchive::dashboard
