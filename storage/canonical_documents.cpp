#include "storage/canonical_documents.h"

#include <utility>

#include "model/codec.h"

namespace emarchive::storage {

std::string canonical_document(const Record& record, Form form) {
  return form == Form::Entity ? render_entity(record, "") : render_entity_ref(record, "");
}

Sha256 canonical_digest(const Record& record, Form form) {
  return sha256(canonical_document(record, form));
}

DigestedRecords::DigestedRecords(std::vector<Record> records) : records_(std::move(records)) {
  digests_.resize(records_.size());
  for (std::size_t i = 0; i < records_.size(); ++i) {
    for (Form form : {Form::Reference, Form::Entity}) {
      if (records_[i].form(form)) digests_[i][slot(form)] = canonical_digest(records_[i], form);
    }
  }
}

}  // namespace emarchive::storage
