#pragma once
// Where a password comes from (never the command line, never a log): a file named by
// an option, else the EMARCHIVE_PASSWORD environment variable, else typed at the terminal with
// echo off.

#include <string>

#include "model/expected.h"

namespace emarchive::app {

// `password_file`: "" for none. The file's first line, without its line ending, is the password.
// `prompt` is shown when asking the terminal. Fails when none of the three is available, or the
// file cannot be read, with a message that says which and how to give one.
Expected<std::string> read_password(const std::string& password_file, const std::string& prompt);

}  // namespace emarchive::app
