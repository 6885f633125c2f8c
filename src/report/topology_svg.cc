#include "report/topology_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "report/svg.h"

namespace cnfctl::report {

namespace {

constexpr double kBoxWidth = 150;
constexpr double kBoxHeight = 66;
constexpr double kColumn = 190;    // horizontal distance between boxes
constexpr double kRowGap = 70;     // vertical gap between the traffic row and the vswitch row
constexpr double kBandPad = 26;    // inside a node band, around the boxes
constexpr double kBandLabel = 22;  // the node's name above its boxes
constexpr double kMargin = 12;

std::string text_of(const nlohmann::json& j, const char* key, const std::string& fallback = "?") {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

std::string cpus_text(const nlohmann::json& c) {
  auto it = c.find("cpus");
  if (it == c.end() || !it->is_array() || it->empty()) return "cpus: not pinned";
  std::vector<std::string> parts;
  for (const auto& cpu : *it) {
    if (cpu.is_number_integer()) parts.push_back(std::to_string(cpu.get<int>()));
  }
  std::string text = fmt::format("cpu{} {}", parts.size() == 1 ? "" : "s", fmt::join(parts, ","));
  auto main = c.find("main_cpu");
  if (main != c.end() && main->is_number_integer() && parts.size() > 1) {
    text += fmt::format(" (main {})", main->get<int>());
  }
  return text;
}

struct Box {
  const nlohmann::json* container = nullptr;
  double x = 0;  // top-left
  double y = 0;
  int row = 0;
  int column = 0;
  int band = 0;
};

// Where a link leaves a box toward another: the facing edge, spread by port.
std::pair<double, double> anchor(const Box& from, const Box& to, int port, int ports) {
  const double spread = ports > 1 ? (port - (ports - 1) / 2.0) * std::min(18.0, 120.0 / ports) : 0;
  const double cx = from.x + kBoxWidth / 2;
  const double cy = from.y + kBoxHeight / 2;
  if (from.band != to.band || from.row != to.row) {
    const bool below = to.y > from.y;
    return {cx + spread, below ? from.y + kBoxHeight : from.y};
  }
  const bool right = to.x > from.x;
  return {right ? from.x + kBoxWidth : from.x, cy + spread / 2};
}

int order_of(const std::string& role) {
  if (role == "generator") return 0;
  if (role == "nf") return 1;
  if (role == "sink") return 2;
  return 3;  // vswitch: its own row
}

}  // namespace

std::string topology_svg(const nlohmann::json& topology) {
  const auto containers = topology.value("containers", nlohmann::json::array());
  const auto links = topology.value("links", nlohmann::json::array());

  // Bands: one per node, in order of first appearance.
  std::vector<std::string> nodes;
  for (const auto& c : containers) {
    const auto node = text_of(c, "node", "local");
    if (std::find(nodes.begin(), nodes.end(), node) == nodes.end()) nodes.push_back(node);
  }
  std::map<std::string, Box> boxes;
  std::vector<double> band_top;
  std::vector<double> band_height;
  double width = 2 * kMargin + kBoxWidth + 2 * kBandPad;
  double y = kMargin;
  for (std::size_t b = 0; b < nodes.size(); ++b) {
    std::vector<const nlohmann::json*> top;
    std::vector<const nlohmann::json*> bottom;
    for (const auto& c : containers) {
      if (text_of(c, "node", "local") != nodes[b]) continue;
      (order_of(text_of(c, "role")) == 3 ? bottom : top).push_back(&c);
    }
    std::stable_sort(top.begin(), top.end(), [](const auto* l, const auto* r) {
      return order_of(text_of(*l, "role")) < order_of(text_of(*r, "role"));
    });
    const std::size_t columns = std::max<std::size_t>({1, top.size(), bottom.size()});
    const double band_width = static_cast<double>(columns - 1) * kColumn + kBoxWidth + 2 * kBandPad;
    width = std::max(width, band_width + 2 * kMargin);
    const double row0 = y + kBandLabel + kBandPad;
    auto place = [&](const std::vector<const nlohmann::json*>& row, int index, double row_y) {
      // Centre a shorter row under the longer one.
      const double offset =
          (static_cast<double>(columns) - static_cast<double>(row.size())) / 2 * kColumn;
      for (std::size_t i = 0; i < row.size(); ++i) {
        Box box;
        box.container = row[i];
        box.x = kMargin + kBandPad + offset + static_cast<double>(i) * kColumn;
        box.y = row_y;
        box.row = index;
        box.column = static_cast<int>(i);
        box.band = static_cast<int>(b);
        boxes[text_of(*row[i], "name")] = box;
      }
    };
    place(top, 0, row0);
    const bool two_rows = !top.empty() && !bottom.empty();
    place(bottom, two_rows ? 1 : 0, two_rows ? row0 + kBoxHeight + kRowGap : row0);
    const double h = kBandLabel + 2 * kBandPad + kBoxHeight + (two_rows ? kBoxHeight + kRowGap : 0);
    band_top.push_back(y);
    band_height.push_back(h);
    y += h + kMargin;
  }
  const double height = std::max(y, 2 * kMargin + 40);

  std::string svg = fmt::format(
      "<svg id=\"topology\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"topology\">\n",
      coord(width), coord(height), coord(width), coord(height));
  for (std::size_t b = 0; b < nodes.size(); ++b) {
    svg += fmt::format(
        "<rect class=\"node\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\"/>\n"
        "<text class=\"node-label\" x=\"{}\" y=\"{}\">node {}</text>\n",
        coord(kMargin), coord(band_top[b]), coord(width - 2 * kMargin), coord(band_height[b]),
        coord(kMargin + 10), coord(band_top[b] + 17), escape(nodes[b]));
  }
  // Ports per container, so the ends of several links spread along an edge.
  std::map<std::string, int> ports;
  for (const auto& l : links) {
    for (const char* end : {"a", "b"}) {
      const auto name = text_of(l, end);
      const char* port_key = end[0] == 'a' ? "a_port" : "b_port";
      const int port = l.value(port_key, 0);
      ports[name] = std::max(ports[name], port + 1);
    }
  }
  for (const auto& l : links) {
    const auto a = text_of(l, "a");
    const auto b = text_of(l, "b");
    auto ia = boxes.find(a);
    auto ib = boxes.find(b);
    if (ia == boxes.end() || ib == boxes.end()) continue;
    const int pa = l.value("a_port", 0);
    const int pb = l.value("b_port", 0);
    auto [x1, y1] = anchor(ia->second, ib->second, pa, ports[a]);
    auto [x2, y2] = anchor(ib->second, ia->second, pb, ports[b]);
    std::string d;
    const bool same_row = ia->second.band == ib->second.band && ia->second.row == ib->second.row;
    if (same_row && std::abs(ia->second.column - ib->second.column) > 1) {
      // Over the boxes in between: an arc above the row.
      const double lift = 30 + 10 * std::abs(ia->second.column - ib->second.column);
      const double top = std::min(ia->second.y, ib->second.y);
      d = fmt::format("M {} {} Q {} {} {} {}", coord(x1), coord(top), coord((x1 + x2) / 2),
                      coord(top - lift), coord(x2), coord(top));
    } else {
      d = fmt::format("M {} {} L {} {}", coord(x1), coord(y1), coord(x2), coord(y2));
    }
    svg += fmt::format(
        "<path class=\"link\" d=\"{}\"><title>{} port {} &#8596; {} port {} (memif {})</title>"
        "</path>\n",
        d, escape(a), pa, escape(b), pb, escape(text_of(l, "socket", "")));
    svg += fmt::format("<text class=\"port\" x=\"{}\" y=\"{}\">{}</text>\n", coord(x1 + 3),
                       coord(y1 + (y2 > y1   ? 11
                                   : y2 < y1 ? -3
                                             : -3)),
                       pa);
    svg += fmt::format("<text class=\"port\" x=\"{}\" y=\"{}\">{}</text>\n", coord(x2 + 3),
                       coord(y2 + (y1 > y2   ? 11
                                   : y1 < y2 ? -3
                                             : -3)),
                       pb);
  }
  for (const auto& [name, box] : boxes) {
    const auto& c = *box.container;
    const auto role = text_of(c, "role");
    svg += fmt::format(
        "<g class=\"box role-{}\"><rect class=\"container\" x=\"{}\" y=\"{}\" width=\"{}\" "
        "height=\"{}\" rx=\"6\" data-name=\"{}\"/>\n"
        "<text class=\"name\" x=\"{}\" y=\"{}\">{}</text>\n"
        "<text class=\"kind\" x=\"{}\" y=\"{}\">{} &#183; {}</text>\n"
        "<text class=\"cpus\" x=\"{}\" y=\"{}\">{}</text></g>\n",
        escape(role), coord(box.x), coord(box.y), coord(kBoxWidth), coord(kBoxHeight), escape(name),
        coord(box.x + 10), coord(box.y + 21), escape(name), coord(box.x + 10), coord(box.y + 39),
        escape(text_of(c, "nf")), escape(role), coord(box.x + 10), coord(box.y + 56),
        escape(cpus_text(c)));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace cnfctl::report
