#include "app/follower_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "app/duration.h"
#include "app/password.h"
#include "ingest/ingester.h"

namespace emarchive::app {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// A key = value line, with the line it is on.
struct Setting {
  std::string value;
  int line = 0;
};

// One section as read, before its values are checked.
struct Section {
  std::string name;
  int line = 0;
  std::map<std::string, Setting, std::less<>> settings;
};

constexpr std::string_view kKeys[] = {"url",       "user",     "password_file", "ca_file",
                                      "insecure",  "interval", "types",         "since",
                                      "page_size", "retries",  "overlap"};

class Parser {
 public:
  Parser(std::string_view file, std::chrono::seconds min_interval)
      : file_(file), min_interval_(min_interval) {}

  Expected<FollowerConfig> parse(std::string_view text) {
    if (Status read = read_sections(text); !read) return read.error();
    if (sections_.empty()) {
      return Error{std::string(file_) + ": no [source \"NAME\"] section: nothing to follow",
                   ErrorCode::invalid_input};
    }
    FollowerConfig config;
    for (const Section& section : sections_) {
      auto source = check(section, config.warnings);
      if (!source) return source.error();
      config.sources.push_back(std::move(*source));
    }
    return config;
  }

 private:
  Error error_at(int line, std::string_view message,
                 ErrorCode code = ErrorCode::invalid_input) const {
    return Error{std::string(file_) + ":" + std::to_string(line) + ": " + std::string(message),
                 code};
  }

  Status read_sections(std::string_view text) {
    std::set<std::string, std::less<>> names;
    for (int number = 1; !text.empty(); ++number) {
      const auto end = text.find('\n');
      const std::string_view raw = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      const std::string_view line = trim(raw);
      if (line.empty() || line.front() == '#' || line.front() == ';') continue;
      if (line.front() == '[') {
        auto name = section_name(line, number);
        if (!name) return name.error();
        if (!names.insert(*name).second) {
          return error_at(number, "source \"" + *name + "\" is named twice; names must be unique");
        }
        sections_.push_back(Section{*name, number, {}});
        continue;
      }
      const auto equals = line.find('=');
      if (equals == std::string_view::npos) {
        return error_at(
            number, "expected [source \"NAME\"] or KEY = VALUE, found '" + std::string(line) + "'");
      }
      const std::string key(trim(line.substr(0, equals)));
      const std::string_view value = trim(line.substr(equals + 1));
      if (sections_.empty()) {
        return error_at(number, "'" + key + "' outside a [source \"NAME\"] section");
      }
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        std::string known;
        for (std::string_view k : kKeys) known += (known.empty() ? "" : ", ") + std::string(k);
        return error_at(number, "unknown key '" + key + "' (known: " + known + ")");
      }
      auto [it, inserted] =
          sections_.back().settings.emplace(key, Setting{std::string(value), number});
      if (!inserted) {
        return error_at(number, "'" + key + "' is set twice in source \"" + sections_.back().name +
                                    "\" (first on line " + std::to_string(it->second.line) + ")");
      }
    }
    return Ok{};
  }

  Expected<std::string> section_name(std::string_view line, int number) const {
    constexpr std::string_view kOpen = "[source \"";
    constexpr std::string_view kClose = "\"]";
    const auto invalid = [&] {
      return error_at(
          number, "expected a section header [source \"NAME\"], found '" + std::string(line) + "'");
    };
    if (line.size() < kOpen.size() + kClose.size() || line.substr(0, kOpen.size()) != kOpen ||
        line.substr(line.size() - kClose.size()) != kClose) {
      return invalid();
    }
    const std::string_view name =
        line.substr(kOpen.size(), line.size() - kOpen.size() - kClose.size());
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
      return error_at(number, "source name \"" + std::string(name) +
                                  "\": use letters, digits, '.', '_' and '-' (it appears in "
                                  "logs and in the archive)");
    }
    return std::string(name);
  }

  Expected<SourceConfig> check(const Section& section, std::vector<std::string>& warnings) const {
    SourceConfig source;
    source.name = section.name;
    source.line = section.line;
    const auto& s = section.settings;
    const auto find = [&](std::string_view key) -> const Setting* {
      auto it = s.find(key);
      return it == s.end() ? nullptr : &it->second;
    };
    for (std::string_view key : {"url", "user", "password_file"}) {
      if (!find(key)) {
        return error_at(section.line,
                        "source \"" + section.name + "\" has no '" + std::string(key) + "'");
      }
    }
    source.url = find("url")->value;
    source.user = find("user")->value;
    const auto at = [&](const Setting& setting, std::string_view key, const std::string& why) {
      return error_at(setting.line, std::string(key) + ": " + why);
    };

    const Setting& password_file = *find("password_file");
    source.password_file = password_file.value;
    struct stat info {};
    if (::stat(password_file.value.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
      return error_at(password_file.line,
                      "password_file: " + password_file.value + " is not a readable file",
                      ErrorCode::io);
    }
    if ((info.st_mode & (S_IRGRP | S_IROTH)) != 0) {
      warnings.push_back(std::string(file_) + ":" + std::to_string(password_file.line) +
                         ": warning: password_file " + password_file.value +
                         " can be read by other users; chmod 600 it");
    }
    auto password = read_password(password_file.value, "");
    if (!password) return at(password_file, "password_file", password.error().message);
    if (password->empty()) {
      return at(password_file, "password_file", password_file.value + " holds no password");
    }
    source.password = std::move(*password);

    if (const Setting* ca = find("ca_file")) {
      if (::stat(ca->value.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
        return error_at(ca->line, "ca_file: " + ca->value + " is not a readable file",
                        ErrorCode::io);
      }
      source.ca_file = ca->value;
    }
    if (const Setting* insecure = find("insecure")) {
      if (insecure->value != "true" && insecure->value != "false") {
        return at(*insecure, "insecure", "'" + insecure->value + "' is neither true nor false");
      }
      source.insecure = insecure->value == "true";
      if (source.insecure && !source.ca_file.empty()) {
        return at(*insecure, "insecure", "true contradicts ca_file; keep one");
      }
      if (source.insecure) {
        warnings.push_back(std::string(file_) + ":" + std::to_string(insecure->line) +
                           ": warning: insecure = true: the certificate of source \"" +
                           section.name + "\" is not verified");
      }
    }
    for (auto [key, target] :
         {std::pair{"interval", &source.interval}, std::pair{"overlap", &source.overlap}}) {
      if (const Setting* setting = find(key)) {
        auto parsed = parse_duration(setting->value);
        if (!parsed) return at(*setting, key, parsed.error().message);
        *target = *parsed;
      }
    }
    if (source.interval < min_interval_) {
      const Setting* interval = find("interval");
      return error_at(interval ? interval->line : section.line,
                      "interval: " + std::to_string(source.interval.count()) + "s is under " +
                          std::to_string(min_interval_.count()) +
                          "s: each run logs on to EM and asks for every type, and a tighter "
                          "loop only loads EM");
    }
    if (const Setting* types = find("types")) {
      // "BackupJobSession, Job": spaces after the commas, as people write lists.
      std::string list = types->value;
      std::erase_if(list, [](char c) { return c == ' ' || c == '\t'; });
      auto parsed = ingest::parse_ingest_types(list);
      if (!parsed) return at(*types, "types", parsed.error().message);
      source.types = std::move(*parsed);
    }
    if (const Setting* since = find("since")) {
      auto parsed = parse_since(since->value);
      if (!parsed) return at(*since, "since", parsed.error().message);
      source.since = *parsed;
    }
    for (auto [key, target, low, high] : {std::tuple{"page_size", &source.page_size, 1, 10000},
                                          std::tuple{"retries", &source.retries, 0, 20}}) {
      if (const Setting* setting = find(key)) {
        const std::string& v = setting->value;
        int number = 0;
        auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), number);
        if (error != std::errc() || end != v.data() + v.size() || number < low || number > high) {
          return at(*setting, key,
                    "'" + v + "' is not a whole number from " + std::to_string(low) + " to " +
                        std::to_string(high));
        }
        *target = number;
      }
    }
    return source;
  }

  std::string_view file_;
  std::chrono::seconds min_interval_;
  std::vector<Section> sections_;
};

}  // namespace

Expected<FollowerConfig> parse_follower_config(std::string_view text, std::string_view file,
                                               std::chrono::seconds min_interval) {
  return Parser(file, min_interval).parse(text);
}

Expected<FollowerConfig> load_follower_config(const std::string& path,
                                              std::chrono::seconds min_interval) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read the configuration file", ErrorCode::io};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_follower_config(text.str(), path, min_interval);
}

Expected<EmTime> parse_since(std::string_view text) {
  return parse_em_time(text.size() == 10 ? std::string(text) + "T00:00:00Z" : std::string(text));
}

}  // namespace emarchive::app
