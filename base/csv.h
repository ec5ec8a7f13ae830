// CSV fields per RFC 4180: every CSV file dfsim writes (run --csv, compare.csv, sweep's
// results.csv) builds its fields here, so that a name holding a comma, a quote or a line break
// stays one field. Lines end in "\n" alone (RFC 4180 readers, Python's csv among them, accept it).
#pragma once
#include <string>
#include <vector>

namespace dfsim {

// True if the field must be quoted: it holds a comma, a double quote, CR or LF.
bool csv_needs_quotes(const std::string& field);
// The field as written: quoted, with its double quotes doubled, where it needs it; else as is.
std::string csv_field(const std::string& field);
// The fields as one line: csv_field of each, joined by commas, then "\n".
std::string csv_line(const std::vector<std::string>& fields);

}  // namespace dfsim
