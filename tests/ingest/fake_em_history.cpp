#include "tests/ingest/fake_em_history.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "tests/test_data.h"

namespace emarchive::testing {

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
  const std::string path = url->path();
  auto param = [&](std::string_view name) -> std::string {
    auto it = url->params().find(name);
    return it == url->params().end() ? "" : std::string((*it).value);
  };
  auto serve = [](std::string_view file) {
    return FakeResponse::xml(200, read_file(fake_em_data(file)));
  };
  if (path == "/api/query") {
    const std::string file = param("type") + "_page" + param("page") + ".xml";
    if (day == 2 && std::filesystem::exists(fake_em_data("run2/" + file))) {
      return serve("run2/" + file);
    }
    if (std::filesystem::exists(fake_em_data("run1/" + file))) return serve("run1/" + file);
  }
  if (param("format") == "Entity") {
    if (path == "/api/jobs/8d3e0f52-1a4c-4b7d-8e9f-2a3b4c5d6e72") return serve("run1/job_b.xml");
    if (day == 2 && path == "/api/backupSessions/3c2d4e5f-6071-4283-9495-b6c7d8e9fa03") {
      return serve("run2/backup_session_3.xml");
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
