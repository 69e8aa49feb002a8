#include "model/record.h"

namespace emarchive {

std::optional<std::string> Record::field(std::string_view element) const {
  if (!entity) return std::nullopt;
  const auto& specs = info(kind).fields;
  for (std::size_t i = 0; i < specs.size() && i < entity->fields.size(); ++i) {
    if (specs[i].element == element) return entity->fields[i];
  }
  return std::nullopt;
}

std::optional<std::string> Record::name() const {
  if (entity && entity->name) return entity->name;
  if (reference) return reference->name;
  return std::nullopt;
}

}  // namespace emarchive
