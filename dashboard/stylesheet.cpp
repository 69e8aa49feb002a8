#include "dashboard/stylesheet.h"

namespace emarchive::dashboard {

// Result colours as Veeam's consoles use them (green, amber, red); grey for running or none.
const std::string_view kStylesheet = R"css(:root {
  --success: #2e9e44; --warning: #e0a100; --failed: #d0312d; --other: #9aa3ab;
  --ink: #1d2329; --muted: #5d6873; --line: #d9dee3; --panel: #f5f7f9;
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
header { padding: 10px 24px; background: #005f4b; color: #fff; display: flex; gap: 16px;
  align-items: baseline; }
header a.home { color: #fff; font-weight: 700; text-decoration: none; font-size: 16px; }
header .as-of { opacity: .85; }
main { padding: 8px 24px 40px; max-width: 1600px; }
h1 { font-size: 22px; margin: 14px 0; }
h2 { font-size: 17px; margin: 26px 0 8px; }
a { color: #0a5db3; }
.age, .empty, .more { color: var(--muted); }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
  padding: 10px 16px; min-width: 220px; }
.tile .big { font-size: 26px; font-weight: 700; color: var(--success); margin-right: 4px; }
.tile.alert .big { color: var(--failed); }
.pager { display: flex; gap: 14px; align-items: baseline; margin-bottom: 6px; color: var(--muted); }
.grid-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table.grid { border-collapse: collapse; font-size: 12px; }
table.grid th { font-weight: 600; padding: 3px 4px; white-space: nowrap; background: var(--panel); }
table.grid tbody th { text-align: left; position: sticky; left: 0; max-width: 260px;
  overflow: hidden; text-overflow: ellipsis; }
table.grid td.cell { width: 22px; min-width: 22px; height: 22px; text-align: center;
  border: 1px solid #fff; padding: 0; }
table.grid td.cell a { display: block; color: #fff; text-decoration: none; font-weight: 700; }
td.cell.success { background: var(--success); }
td.cell.warning { background: var(--warning); }
td.cell.failed { background: var(--failed); }
td.cell.other { background: var(--other); }
td.cell.none { background: #eef1f3; }
table.list { border-collapse: collapse; width: 100%; }
table.list th { text-align: left; font-weight: 600; border-bottom: 2px solid var(--line);
  padding: 5px 8px; }
table.list td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: top; }
td.reason { max-width: 520px; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 9px; color: #fff;
  font-size: 12px; font-weight: 600; }
.badge.success { background: var(--success); }
.badge.warning { background: var(--warning); }
.badge.failed { background: var(--failed); }
.badge.other { background: var(--other); }
.stale { color: var(--failed); font-weight: 600; }
.fresh { color: var(--success); }
form.rpo { margin: 0 0 8px; }
form.rpo input { width: 6em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
svg.chart { width: 100%; max-width: 960px; height: auto; background: var(--panel);
  border: 1px solid var(--line); border-radius: 6px; }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { fill: var(--muted); font-size: 11px; }
svg.chart .line { fill: none; stroke: #7d8b97; stroke-width: 1; }
svg.chart .dot.success { fill: var(--success); }
svg.chart .dot.warning { fill: var(--warning); }
svg.chart .dot.failed { fill: var(--failed); }
svg.chart .dot.other { fill: var(--other); }
)css";

const std::string_view kIcon =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
    "<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#005f4b\"/>"
    "<path d=\"M4 8.5l2.5 2.5L12 5\" stroke=\"#fff\" stroke-width=\"2\" fill=\"none\"/></svg>";

}  // namespace emarchive::dashboard
