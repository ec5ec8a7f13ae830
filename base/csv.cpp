#include "base/csv.h"

namespace dfsim {

bool csv_needs_quotes(const std::string& field) { return field.find_first_of(",\"\r\n") != std::string::npos; }

std::string csv_field(const std::string& field) {
    if (!csv_needs_quotes(field)) return field;
    std::string q;
    q.reserve(field.size() + 2);
    q.push_back('"');
    for (char c : field) {
        if (c == '"') q.push_back('"');
        q.push_back(c);
    }
    q.push_back('"');
    return q;
}

std::string csv_line(const std::vector<std::string>& fields) {
    std::string s;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i) s.push_back(',');
        s.append(csv_field(fields[i]));
    }
    s.push_back('\n');
    return s;
}

}  // namespace dfsim
