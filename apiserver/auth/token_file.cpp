#include "apiserver/auth/token_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

namespace edgeway::apiserver::auth {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && (isSpace(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits one CSV line into fields the way Go's encoding/csv reads kube's token file
// (leading spaces trimmed, RFC 4180 quotes, "" for a quote inside a quoted field). A quoted
// field cannot span lines here: no token, user or group may contain a newline.
std::optional<std::vector<std::string>> splitRecord(std::string_view line, std::string& error) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    while (i < line.size() && isSpace(line[i])) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] != '"') {
          field += line[i++];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          i += 2;
        } else {
          ++i;
          closed = true;
          break;
        }
      }
      if (!closed) {
        error = "unterminated quoted field";
        return std::nullopt;
      }
      if (i < line.size() && line[i] != ',') {
        error = "unexpected text after the closing quote of column " + std::to_string(fields.size() + 1);
        return std::nullopt;
      }
    } else {
      size_t end = line.find(',', i);
      std::string_view raw = line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      if (raw.find('"') != std::string_view::npos) {
        error = "a quote inside unquoted column " + std::to_string(fields.size() + 1) +
                " (quote the whole column)";
        return std::nullopt;
      }
      field.assign(raw);
      i = end == std::string_view::npos ? line.size() : end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return fields;
    ++i;  // the comma
  }
}

std::vector<std::string> splitGroups(std::string_view column) {
  std::vector<std::string> groups;
  while (true) {
    size_t comma = column.find(',');
    std::string_view group = trim(column.substr(0, comma));
    if (!group.empty()) groups.emplace_back(group);
    if (comma == std::string_view::npos) return groups;
    column.remove_prefix(comma + 1);
  }
}

}  // namespace

Result<TokenFile> TokenFile::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalidArgument("token file \"" + path + "\": cannot read it: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return invalidArgument("token file \"" + path + "\": read failed: " + std::strerror(errno));
  return parse(text.str(), path);
}

Result<TokenFile> TokenFile::parse(std::string_view text, const std::string& source) {
  TokenFile file;
  std::map<std::string, size_t> lineOfToken;
  size_t lineNumber = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 BOM from an editor
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++lineNumber;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;

    auto fail = [&](const std::string& why) {
      return invalidArgument("token file \"" + source + "\": line " + std::to_string(lineNumber) + ": " +
                             why);
    };
    std::string error;
    auto fields = splitRecord(line, error);
    if (!fields) return fail(error);
    if (fields->size() < 3) {
      return fail("expected token,user,uid[,\"group1,group2\"] but found " + std::to_string(fields->size()) +
                  " column(s)");
    }
    if (fields->size() > 4) {
      // Almost always an unquoted group list: token,user,uid,g1,g2.
      return fail(std::to_string(fields->size()) +
                  " columns; list several groups in one quoted column, e.g. \"group1,group2\"");
    }
    std::string token = (*fields)[0];
    while (!token.empty() && isSpace(token.back())) token.pop_back();
    if (token.empty()) return fail("the token is empty");
    for (char c : token) {
      if (isSpace(c)) return fail("the token contains whitespace, which a bearer token cannot carry");
    }
    UserInfo user;
    user.name = std::string(trim((*fields)[1]));
    if (user.name.empty()) return fail("the user name is empty");
    user.uid = std::string(trim((*fields)[2]));
    if (fields->size() == 4) user.groups = splitGroups((*fields)[3]);

    auto [at, inserted] = lineOfToken.emplace(token, lineNumber);
    if (!inserted) return fail("the token is already used on line " + std::to_string(at->second));
    file.users_.emplace(std::move(token), std::move(user));
  }
  return file;
}

const UserInfo* TokenFile::find(std::string_view token) const {
  auto it = users_.find(std::string(token));
  return it == users_.end() ? nullptr : &it->second;
}

}  // namespace edgeway::apiserver::auth
