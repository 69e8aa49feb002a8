#include "tests/support/fake_em_history.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <vector>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "tests/support/test_data.h"

namespace emarchive::testing {
namespace {

constexpr std::string_view kEmOrigin = "https://vbem-fake01.contoso-lab.example:9398";
constexpr std::string_view kNamespace = "http://www.veeam.com/ent/v1.0";
// EM deleted this session between day 1 and day 2.
constexpr std::string_view kDeletedOnDay2 =
    "urn:veeam:BackupJobSession:2b1c3d4e-5f60-4172-8384-a5b6c7d8e902";

// One entity as the documents hold it: its XML and what the query service sorts and filters on.
struct Entity {
  std::string uid;
  std::string href_path;      // "/api/backupSessions/<id>"
  std::string creation_time;  // CreationTimeUTC's text; "" for jobs and backup servers
  std::string xml;            // the element, without a namespace declaration of its own
};

std::string local_name(const char* name) {
  const char* colon = std::strchr(name, ':');
  return colon ? colon + 1 : name;
}

// An instant as comparable text: "YYYY-MM-DDTHH:MM:SS" then the fraction's digits padded to 7.
// EM's lexical forms vary in fraction length, so the text alone does not sort.
std::string instant_key(std::string_view text) {
  std::string key(text.substr(0, 19));
  std::string fraction;
  if (text.size() > 20 && text[19] == '.') {
    for (char c : text.substr(20)) {
      if (c < '0' || c > '9') break;
      fraction += c;
    }
  }
  fraction.resize(7, '0');
  return key + fraction;
}

// Adds the entities of folder's files whose names start with `prefix` to `entities`; a later
// one replaces an earlier one with the same UID.
void collect(const std::string& folder, const std::string& prefix, std::vector<Entity>& entities) {
  for (const auto& file : files_under("fake_em/" + folder)) {
    if (file.filename().string().rfind(prefix, 0) != 0) continue;
    pugi::xml_document document;
    const std::string text = read_file(file);
    if (!document.load_buffer(text.data(), text.size())) continue;
    std::vector<pugi::xml_node> roots;
    const pugi::xml_node root = document.document_element();
    if (local_name(root.name()) == "QueryResult") {
      for (pugi::xml_node list : root.child("Entities").children()) {
        for (pugi::xml_node entity : list.children()) roots.push_back(entity);
      }
    } else {
      roots.push_back(root);
    }
    for (pugi::xml_node node : roots) {
      Entity entity;
      entity.uid = node.attribute("UID").value();
      const std::string href = node.attribute("Href").value();
      entity.href_path = href.substr(kEmOrigin.size(), href.find('?') - kEmOrigin.size());
      entity.creation_time = node.child_value("CreationTimeUTC");
      node.remove_attribute("xmlns");
      std::ostringstream xml;
      node.print(xml, "", pugi::format_raw);
      entity.xml = xml.str();
      std::erase_if(entities, [&](const Entity& e) { return e.uid == entity.uid; });
      entities.push_back(std::move(entity));
    }
  }
}

// The entities EM holds on `day` among the files whose names start with `prefix` ("" for all):
// day 1 is run1/; on day 2, run2/'s versions replace them and add to them, and one session is
// gone.
std::vector<Entity> holdings(int day, const std::string& prefix,
                             const std::function<bool(std::string_view)>& hidden) {
  std::vector<Entity> entities;
  collect("run1", prefix, entities);
  if (day == 2) {
    collect("run2", prefix, entities);
    std::erase_if(entities, [](const Entity& e) { return e.uid == kDeletedOnDay2; });
  }
  if (hidden) std::erase_if(entities, [&](const Entity& e) { return hidden(e.uid); });
  return entities;
}

std::string escape_attribute(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    if (c == '&') {
      escaped += "&amp;";
    } else if (c == '"') {
      escaped += "&quot;";
    } else if (c == '<') {
      escaped += "&lt;";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// The query service (docs/EM-API.md, section 6): `type`'s entities, filtered by
// CreationTime>=X when asked (the only filter an ingester sends), sorted, one page of them in a
// QueryResult whose PagingInfo links repeat the query with EM's own origin.
FakeResponse query(int day, const std::function<bool(std::string_view)>& hidden,
                   const boost::urls::url_view& url) {
  auto param = [&](std::string_view name) -> std::string {
    auto it = url.params().find(name);
    return it == url.params().end() ? "" : std::string((*it).value);
  };
  const std::string type = param("type");
  std::vector<Entity> entities = holdings(day, type + "_", hidden);
  const std::string filter = param("filter");
  if (!filter.empty()) {
    const std::string prefix = "CreationTime>=\"";
    if (filter.rfind(prefix, 0) != 0 || filter.back() != '"') return FakeResponse::xml(400, "");
    const std::string bound =
        instant_key(filter.substr(prefix.size(), filter.size() - prefix.size() - 1));
    std::erase_if(entities, [&](const Entity& e) { return instant_key(e.creation_time) < bound; });
  }
  const std::string sort = param("sortAsc");
  std::stable_sort(entities.begin(), entities.end(), [&](const Entity& a, const Entity& b) {
    return sort == "UID" ? a.uid < b.uid
                         : instant_key(a.creation_time) < instant_key(b.creation_time);
  });
  const std::size_t page_size = std::stoul(param("pageSize"));
  const std::size_t page = std::stoul(param("page"));
  const std::size_t pages = std::max<std::size_t>(1, (entities.size() + page_size - 1) / page_size);

  auto link = [&](std::string_view rel, std::size_t to) {
    std::string href =
        std::string(kEmOrigin) + "/api/query?type=" + type + "&format=Entities&sortAsc=" + sort;
    if (!filter.empty()) href += "&filter=" + filter;
    href += "&pageSize=" + std::to_string(page_size) + "&page=" + std::to_string(to);
    return "<Link Href=\"" + escape_attribute(href) + "\" Rel=\"" + std::string(rel) + "\" />";
  };
  std::string body =
      "<QueryResult xmlns=\"" + std::string(kNamespace) + "\"><Entities><" + type + "s>";
  for (std::size_t i = (page - 1) * page_size; i < std::min(entities.size(), page * page_size);
       ++i) {
    body += entities[i].xml;
  }
  body += "</" + type + "s></Entities><PagingInfo PageNum=\"" + std::to_string(page) +
          "\" PageSize=\"" + std::to_string(page_size) + "\" PagesCount=\"" +
          std::to_string(pages) + "\"><Links>" + link("First", 1);
  if (page < pages) body += link("Next", page + 1);
  body += link("Last", pages) + "</Links></PagingInfo></QueryResult>";
  return FakeResponse::xml(200, body);
}

// The resources monitoring tools read, by path and whether the entity form was asked for, and
// the file of observed/ that holds EM's answer; a day's own file, else day 1's. This EM has no
// file-share jobs (/api/nas/jobs is a 404, as on an EM before file-share backup).
std::optional<FakeResponse> observed(int day, std::string_view path, bool entity) {
  struct Observed {
    std::string_view path;
    bool entity;
    std::string_view file;
  };
  static constexpr Observed kObserved[] = {
      {"/api/reports/summary/overview", false, "overview.xml"},
      {"/api/reports/summary/vms_overview", false, "vms_overview.xml"},
      {"/api/reports/summary/job_statistics", false, "job_statistics.xml"},
      {"/api/reports/summary/repository", false, "repository_report.xml"},
      {"/api/repositories", false, "repositories.xml"},
      {"/api/repositories", true, "repositories_entities.xml"},
      {"/api/agents/discoveredComputers", false, "discovered_computers.xml"},
      {"/api/agents/jobs", false, "agent_jobs.xml"},
  };
  for (const Observed& o : kObserved) {
    if (o.path != path || o.entity != entity) continue;
    std::filesystem::path file = fake_em_data("observed/day" + std::to_string(day)) / o.file;
    if (!std::filesystem::exists(file)) file = fake_em_data("observed/day1") / o.file;
    return FakeResponse::xml(200, read_file(file));
  }
  return std::nullopt;
}

}  // namespace

std::filesystem::path fake_em_data(std::string_view name) {
  return data_dir() / "fake_em" / name;
}

FakeResponse FakeHistory::answer(const FakeRequest& request) const {
  if (fault) {
    if (std::optional<FakeResponse> response = fault(request)) return *response;
  }
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return FakeResponse::xml(400, "");
  if (request.method != "GET") return FakeResponse::xml(405, "");
  if (url->path() == "/api/query") return query(day, hidden, *url);
  auto format = url->params().find("format");
  const bool entity = format != url->params().end() && (*format).value == "Entity";
  if (auto answer = observed(day, url->path(), entity)) return *answer;
  if (!entity) {
    return FakeResponse::xml(404, "");
  }
  for (const Entity& entity : holdings(day, "", hidden)) {
    if (entity.href_path == url->path()) {
      std::string xml = entity.xml;
      xml.insert(xml.find(' '), " xmlns=\"" + std::string(kNamespace) + "\"");
      return FakeResponse::xml(200, xml);
    }
  }
  return FakeResponse::xml(404, "");
}

std::map<std::string, std::string> archive_digest(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement s(db,
                      "SELECT r.uid, coalesce(group_concat(v.form || '.' || v.revision || ':' || "
                      "hex(v.sha256), ' '), '') "
                      "FROM records r LEFT JOIN (SELECT * FROM revisions "
                      "ORDER BY form, revision) v ON v.record_id = r.id "
                      "GROUP BY r.uid ORDER BY r.uid");
  std::map<std::string, std::string> records;
  while (s.executeStep()) records[s.getColumn(0).getString()] = s.getColumn(1).getString();
  return records;
}

}  // namespace emarchive::testing
