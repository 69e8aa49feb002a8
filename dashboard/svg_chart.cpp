#include "dashboard/svg_chart.h"

#include <algorithm>
#include <cstdio>

#include "dashboard/html.h"

namespace emarchive::dashboard {
namespace {

constexpr double kWidth = 960;
constexpr double kHeight = 220;
constexpr double kLeft = 80;  // room for the value labels
constexpr double kRight = 16;
constexpr double kTop = 12;
constexpr double kBottom = 28;  // room for the dates
constexpr int kValueTicks = 4;
constexpr int kTimeTicks = 5;

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string value_label(double value, ChartUnit unit) {
  return unit == ChartUnit::duration ? format_duration(static_cast<EmTime>(value))
                                     : format_bytes(static_cast<std::int64_t>(value));
}

}  // namespace

std::string render_chart(std::string_view label, std::vector<ChartPoint> points, ChartUnit unit) {
  if (points.empty()) return "<p class=\"empty\">Nothing to chart yet.</p>\n";
  std::sort(points.begin(), points.end(),
            [](const ChartPoint& a, const ChartPoint& b) { return a.time < b.time; });
  EmTime first = points.front().time;
  EmTime last = points.back().time;
  if (first == last) {
    first -= kDay;
    last += kDay;
  }
  double top = 0;
  for (const ChartPoint& point : points) top = std::max(top, point.value);
  if (top <= 0) top = 1;
  const double plot_width = kWidth - kLeft - kRight;
  const double plot_height = kHeight - kTop - kBottom;
  auto x_of = [&](EmTime time) {
    return kLeft +
           plot_width * static_cast<double>(time - first) / static_cast<double>(last - first);
  };
  auto y_of = [&](double value) { return kTop + plot_height * (1 - value / top); };

  std::string svg = "<svg class=\"chart\" viewBox=\"0 0 " + number(kWidth) + " " + number(kHeight) +
                    "\" role=\"img\" aria-label=\"" + escape(label) + "\">\n";
  for (int i = 0; i <= kValueTicks; ++i) {
    const double value = top * i / kValueTicks;
    const std::string y = number(y_of(value));
    svg += "<line class=\"grid\" x1=\"" + number(kLeft) + "\" x2=\"" + number(kWidth - kRight) +
           "\" y1=\"" + y + "\" y2=\"" + y + "\"/>";
    svg += "<text class=\"axis\" x=\"" + number(kLeft - 6) + "\" y=\"" + y +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" +
           escape(value_label(value, unit)) + "</text>\n";
  }
  for (int i = 0; i <= kTimeTicks; ++i) {
    const EmTime time = first + (last - first) / kTimeTicks * i;
    const char* anchor = i == 0 ? "start" : i == kTimeTicks ? "end" : "middle";
    svg += "<text class=\"axis\" x=\"" + number(x_of(time)) + "\" y=\"" + number(kHeight - 8) +
           "\" text-anchor=\"" + anchor + "\">" + format_day(time) + "</text>\n";
  }
  svg += "<polyline class=\"line\" points=\"";
  for (const ChartPoint& point : points) {
    svg += number(x_of(point.time)) + "," + number(y_of(point.value)) + " ";
  }
  svg += "\"/>\n";
  for (const ChartPoint& point : points) {
    svg += "<a href=\"" + point.href + "\"><circle class=\"dot " + std::string(point.css_class) +
           "\" cx=\"" + number(x_of(point.time)) + "\" cy=\"" + number(y_of(point.value)) +
           "\" r=\"3.5\"><title>" + escape(point.title) + "</title></circle></a>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace emarchive::dashboard
