#include "http/message.h"

#include <algorithm>

namespace edgeway::http {
namespace {

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view findHeader(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (headerNameEquals(h.name, name)) return h.value;
  }
  return {};
}

}  // namespace

bool headerNameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lowerAscii(x) == lowerAscii(y); });
}

std::string_view Request::header(std::string_view name) const { return findHeader(headers, name); }

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  std::string_view t = target;
  size_t q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

std::string_view Response::header(std::string_view name) const { return findHeader(headers, name); }

void Response::setHeader(std::string name, std::string value) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const Header& h) { return headerNameEquals(h.name, name); }),
                headers.end());
  headers.push_back({std::move(name), std::move(value)});
}

}  // namespace edgeway::http
