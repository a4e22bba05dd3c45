#include "api/selector.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/field_error.h"
#include "api/validation.h"

namespace edgeway::api {
namespace {

// ---- Label selector lexer and parser. Grammar and error wording follow apimachinery's
// labels.Parse: requirements separated by ',', each `key`, `!key`, `key op value` or
// `key in|notin (v1, v2)`.

enum class Tok {
  kEnd, kIdentifier, kNot, kNotEquals, kOpenParen, kCloseParen, kComma, kEquals, kDoubleEquals,
  kGreater, kLess, kIn, kNotIn,
};

struct Token {
  Tok tok;
  std::string text;
};

bool isSpecial(char c) {
  return c == '!' || c == '(' || c == ')' || c == ',' || c == '=' || c == '>' || c == '<';
}
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (isSpace(c)) {
      ++i;
      continue;
    }
    if (isSpecial(c)) {
      bool twoChar = i + 1 < s.size() && s[i + 1] == '=' && (c == '!' || c == '=');
      if (twoChar) {
        out.push_back({c == '!' ? Tok::kNotEquals : Tok::kDoubleEquals, std::string(s.substr(i, 2))});
        i += 2;
        continue;
      }
      Tok t = c == '!' ? Tok::kNot : c == '(' ? Tok::kOpenParen : c == ')' ? Tok::kCloseParen
              : c == ',' ? Tok::kComma : c == '=' ? Tok::kEquals : c == '>' ? Tok::kGreater : Tok::kLess;
      out.push_back({t, std::string(1, c)});
      ++i;
      continue;
    }
    size_t start = i;
    while (i < s.size() && !isSpace(s[i]) && !isSpecial(s[i])) ++i;
    std::string word(s.substr(start, i - start));
    Tok t = word == "in" ? Tok::kIn : word == "notin" ? Tok::kNotIn : Tok::kIdentifier;
    out.push_back({t, std::move(word)});
  }
  out.push_back({Tok::kEnd, ""});
  return out;
}

class LabelParser {
 public:
  explicit LabelParser(std::string_view text) : tokens_(lex(text)) {}

  Result<std::vector<LabelSelector::Requirement>> parse() {
    std::vector<LabelSelector::Requirement> reqs;
    while (true) {
      const Token& t = peek(true);
      if (t.tok == Tok::kEnd) return reqs;
      if (t.tok != Tok::kIdentifier && t.tok != Tok::kNot) {
        return fail("found '" + t.text + "', expected: !, identifier, or 'end of string'");
      }
      std::string err;
      LabelSelector::Requirement r;
      if (!parseRequirement(r, err)) return fail("unable to parse requirement: " + err);
      reqs.push_back(std::move(r));
      Token next = consume(true);
      if (next.tok == Tok::kEnd) return reqs;
      if (next.tok != Tok::kComma) return fail("found '" + next.text + "', expected: ',' or 'end of string'");
      const Token& after = peek(true);
      if (after.tok != Tok::kIdentifier && after.tok != Tok::kNot) {
        return fail("found '" + after.text + "', expected: identifier after ','");
      }
    }
  }

 private:
  static Status fail(std::string message) { return invalidArgument(std::move(message)); }

  // In value position the keywords "in" and "notin" are ordinary identifiers.
  static Token valueContext(Token t) {
    if (t.tok == Tok::kIn || t.tok == Tok::kNotIn) t.tok = Tok::kIdentifier;
    return t;
  }
  Token peek(bool values) const { return values ? valueContext(tokens_[pos_]) : tokens_[pos_]; }
  Token consume(bool values) {
    Token t = peek(values);
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }

  bool parseRequirement(LabelSelector::Requirement& r, std::string& err) {
    using Op = LabelSelector::Op;
    Token t = consume(true);
    bool negated = false;
    if (t.tok == Tok::kNot) {
      negated = true;
      t = consume(true);
    }
    if (t.tok != Tok::kIdentifier) {
      err = "found '" + t.text + "', expected: identifier";
      return false;
    }
    r.key = t.text;
    if (auto problems = isQualifiedName(r.key); !problems.empty()) {
      err = keyError(r.key, problems);
      return false;
    }
    // "!key" is complete by itself; in "!key=v" the caller then reports the stray operator.
    Tok next = peek(true).tok;
    if (negated || next == Tok::kEnd || next == Tok::kComma) {
      r.op = negated ? Op::kDoesNotExist : Op::kExists;
      return true;
    }
    Token op = consume(false);
    switch (op.tok) {
      case Tok::kIn: r.op = Op::kIn; break;
      case Tok::kNotIn: r.op = Op::kNotIn; break;
      case Tok::kEquals:
      case Tok::kDoubleEquals: r.op = Op::kEquals; break;
      case Tok::kNotEquals: r.op = Op::kNotEquals; break;
      case Tok::kGreater: r.op = Op::kGreaterThan; break;
      case Tok::kLess: r.op = Op::kLessThan; break;
      default:
        err = "found '" + op.text + "', expected: in, notin, =, ==, !=, gt, lt";
        return false;
    }
    if (r.op == Op::kIn || r.op == Op::kNotIn) {
      if (!parseValueSet(r.values, err)) return false;
    } else {
      Token v = peek(true);
      if (v.tok == Tok::kEnd || v.tok == Tok::kComma) {
        r.values.push_back("");
      } else {
        v = consume(true);
        if (v.tok != Tok::kIdentifier) {
          err = "found '" + v.text + "', expected: identifier";
          return false;
        }
        r.values.push_back(v.text);
      }
    }
    std::sort(r.values.begin(), r.values.end());
    r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
    return validateValues(r, err);
  }

  bool parseValueSet(std::vector<std::string>& values, std::string& err) {
    Token open = consume(true);
    if (open.tok != Tok::kOpenParen) {
      err = "found '" + open.text + "' expected: '('";
      return false;
    }
    Token first = peek(true);
    if (first.tok == Tok::kCloseParen) {  // "()" selects the empty value
      consume(true);
      values.push_back("");
      return true;
    }
    if (first.tok != Tok::kIdentifier && first.tok != Tok::kComma) {
      err = "found '" + first.text + "', expected: ',', ')' or identifier";
      return false;
    }
    while (true) {
      Token t = consume(true);
      if (t.tok == Tok::kIdentifier) {
        values.push_back(t.text);
        Token n = peek(true);
        if (n.tok == Tok::kComma) {
          consume(true);
          if (peek(true).tok == Tok::kCloseParen) values.push_back("");  // "a,)"
          continue;
        }
        if (n.tok == Tok::kCloseParen) {
          consume(true);
          return true;
        }
        err = "found '" + n.text + "', expected: ',' or ')'";
        return false;
      }
      if (t.tok == Tok::kComma) {  // "(,a" or "a,,b": empty members
        values.push_back("");
        continue;
      }
      if (t.tok == Tok::kCloseParen) return true;
      err = "found '" + t.text + "', expected: ',', or identifier";
      return false;
    }
  }

  static std::string keyError(const std::string& key, const std::vector<std::string>& problems) {
    std::string detail;
    for (size_t i = 0; i < problems.size(); ++i) detail += (i ? "; " : "") + problems[i];
    return invalid(FieldPath("key"), key, detail).toString();
  }

  static bool validateValues(const LabelSelector::Requirement& r, std::string& err) {
    using Op = LabelSelector::Op;
    if ((r.op == Op::kIn || r.op == Op::kNotIn) && r.values.empty()) {
      err = "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty";
      return false;
    }
    if (r.op == Op::kGreaterThan || r.op == Op::kLessThan) {
      const std::string& v = r.values.front();
      char* end = nullptr;
      errno = 0;
      std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || errno != 0) {
        err = invalid(FieldPath("values").index(0), v, "for 'Gt', 'Lt' operators, the value must be an integer")
                  .toString();
        return false;
      }
      return true;
    }
    for (size_t i = 0; i < r.values.size(); ++i) {
      if (auto problems = isValidLabelValue(r.values[i]); !problems.empty()) {
        std::string detail;
        for (size_t j = 0; j < problems.size(); ++j) detail += (j ? "; " : "") + problems[j];
        err = invalid(FieldPath("values").index(i).key(r.key), r.values[i], detail).toString();
        return false;
      }
    }
    return true;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

bool contains(const std::vector<std::string>& sorted, const std::string& v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

// ---- Field selectors: terms split on unescaped ',', each split at the first unescaped
// operator among "!=", "==", "=" (checked in that order at each position).

std::vector<std::string> splitTerms(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      cur += s[i];
      cur += s[++i];
    } else if (s[i] == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += s[i];
    }
  }
  out.push_back(std::move(cur));
  return out;
}

bool splitTerm(const std::string& term, std::string& lhs, std::string& op, std::string& rhs) {
  for (size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '\\') {
      ++i;
      continue;
    }
    for (const char* candidate : {"!=", "==", "="}) {
      if (term.compare(i, std::char_traits<char>::length(candidate), candidate) == 0) {
        lhs = term.substr(0, i);
        op = candidate;
        rhs = term.substr(i + op.size());
        return true;
      }
    }
  }
  return false;
}

bool unescape(const std::string& in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      if (in[i] == '=' || in[i] == ',') return false;  // must have been escaped
      out += in[i];
      continue;
    }
    if (i + 1 >= in.size()) return false;
    char c = in[++i];
    if (c != '\\' && c != ',' && c != '=') return false;
    out += c;
  }
  return true;
}

}  // namespace

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  auto reqs = LabelParser(text).parse();
  if (!reqs.isOk()) return reqs.status();
  LabelSelector s;
  s.requirements_ = std::move(reqs).value();
  // Canonical order (by key) like apimachinery; it makes matching order irrelevant anyway.
  std::stable_sort(s.requirements_.begin(), s.requirements_.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return s;
}

namespace {

// Characters JSON writes as themselves: a label key or value made of these appears in the
// stored text exactly as in the selector. (Valid labels only use these.)
bool plainJsonText(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != '/') return false;
  }
  return true;
}

}  // namespace

bool LabelSelector::mayMatchText(std::string_view json) const {
  // memmem, not string_view::find: find runs memchr on the needle's first byte, a quote,
  // which JSON is full of; glibc's memmem skips through the text far faster.
  auto occurs = [&json](const std::string& needle) {
    return ::memmem(json.data(), json.size(), needle.data(), needle.size()) != nullptr;
  };
  std::string needle;
  for (const auto& r : requirements_) {
    if (r.op != Op::kIn && r.op != Op::kEquals && r.op != Op::kExists) continue;
    if (!plainJsonText(r.key)) continue;
    needle.assign("\"").append(r.key).append("\":");
    if (r.op == Op::kExists) {
      if (!occurs(needle)) return false;
      continue;
    }
    bool any = false, checkable = true;
    const size_t keyPart = needle.size();
    for (const auto& v : r.values) {
      if (!plainJsonText(v)) {
        checkable = false;
        break;
      }
      needle.resize(keyPart);
      needle.append("\"").append(v).append("\"");
      if (occurs(needle)) {
        any = true;
        break;
      }
    }
    if (checkable && !any) return false;
  }
  return true;
}

bool LabelSelector::matches(const nlohmann::json& labels) const {
  for (const auto& r : requirements_) {
    const std::string* value = nullptr;
    if (labels.is_object()) {
      auto it = labels.find(r.key);
      if (it != labels.end() && it->is_string()) value = it->get_ptr<const std::string*>();
    }
    switch (r.op) {
      case Op::kIn:
      case Op::kEquals:
        if (!value || !contains(r.values, *value)) return false;
        break;
      case Op::kNotIn:
      case Op::kNotEquals:
        if (value && contains(r.values, *value)) return false;
        break;
      case Op::kExists:
        if (!value) return false;
        break;
      case Op::kDoesNotExist:
        if (value) return false;
        break;
      case Op::kGreaterThan:
      case Op::kLessThan: {
        if (!value) return false;
        char* end = nullptr;
        errno = 0;
        long long have = std::strtoll(value->c_str(), &end, 10);
        if (value->empty() || *end != '\0' || errno != 0) return false;
        long long want = std::strtoll(r.values.front().c_str(), nullptr, 10);
        if (r.op == Op::kGreaterThan ? !(have > want) : !(have < want)) return false;
        break;
      }
    }
  }
  return true;
}

Result<FieldSelector> FieldSelector::parse(std::string_view text) {
  FieldSelector s;
  for (const std::string& part : splitTerms(text)) {
    if (part.empty()) continue;
    std::string lhs, op, rhs, value;
    if (!splitTerm(part, lhs, op, rhs) || !unescape(rhs, value)) {
      return invalidArgument("invalid selector: '" + std::string(text) + "'; can't understand '" + part + "'");
    }
    s.terms_.push_back(Term{std::move(lhs), std::move(value), op == "!="});
  }
  std::stable_sort(s.terms_.begin(), s.terms_.end(),
                   [](const Term& a, const Term& b) { return a.field < b.field; });
  return s;
}

bool FieldSelector::onlyNameAndNamespace() const {
  return std::all_of(terms_.begin(), terms_.end(), [](const Term& t) {
    return t.field == "metadata.name" || t.field == "metadata.namespace";
  });
}

bool FieldSelector::matches(const std::function<std::string(std::string_view)>& value) const {
  for (const auto& t : terms_) {
    if ((value(t.field) == t.value) == t.negated) return false;
  }
  return true;
}

bool FieldSelector::matches(const nlohmann::json& object) const {
  return matches([&](std::string_view field) { return fieldValue(object, field); });
}

std::string fieldValue(const nlohmann::json& object, std::string_view path) {
  const nlohmann::json* cur = &object;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    if (!cur->is_object()) return "";
    auto it = cur->find(part);
    if (it == cur->end()) return "";
    cur = &*it;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number()) return cur->dump();
  return "";
}

}  // namespace edgeway::api
