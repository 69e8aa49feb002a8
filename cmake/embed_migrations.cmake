# Run as a script (cmake -P): writes OUTPUT, a C++ source that holds every migration file given in
# INPUTS (a ;-list, in order) as a string, so the binary needs no files at run time.
# The file name's leading number is the schema version the migration brings the database to.
set(body "")
foreach(path IN LISTS INPUTS)
  get_filename_component(name "${path}" NAME)
  string(REGEX MATCH "^[0-9]+" number "${name}")
  if(number STREQUAL "")
    message(FATAL_ERROR "${path}: a migration's file name must start with its version number")
  endif()
  math(EXPR version "${number}")
  file(READ "${path}" sql)
  # A raw string with a delimiter no SQL file will contain.
  string(APPEND body "    {${version}, \"${name}\", R\"emarchive_sql(${sql})emarchive_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from migrations/*.sql by cmake/embed_migrations.cmake; do not edit.
#include \"migrations/embedded.h\"

namespace emarchive::migrations {

const std::vector<Migration>& all() {
  static const std::vector<Migration> list = {
${body}  };
  return list;
}

}  // namespace emarchive::migrations
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
