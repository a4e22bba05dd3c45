#include "apiserver/src/rest_handler.h"

#include <cerrno>
#include <cstdlib>

#include "apiserver/src/content.h"
#include "apiserver/src/json_fields.h"
#include "apiserver/src/stored_object.h"
#include "apiserver/src/table.h"
#include "base/clock.h"
#include "http/query.h"

namespace edgeway::apiserver {

struct RestHandler::Call {
  RequestInfo ri;
  const ResourceInfo* info = nullptr;
  http::Request request;
  std::shared_ptr<http::Exchange> exchange;
  std::vector<std::pair<std::string, std::string>> query;
  Output output;
  IncludeObject include = IncludeObject::kMetadata;

  // The first value of a query parameter ("" when absent).
  std::string_view param(std::string_view name) const {
    for (const auto& [k, v] : query) {
      if (k == name) return v;
    }
    return {};
  }
  bool has(std::string_view name) const {
    for (const auto& kv : query) {
      if (kv.first == name) return true;
    }
    return false;
  }
  void fail(const ApiError& e) const { respondError(*exchange, e); }
};

void respondError(http::Exchange& exchange, const ApiError& error) {
  http::Response response;
  response.status = error.code;
  response.headers.push_back({"Content-Type", "application/json"});
  if (error.retryAfterSeconds > 0) response.headers.push_back({"Retry-After", std::to_string(error.retryAfterSeconds)});
  response.body = dumpJson(error.toStatus());
  exchange.respond(std::move(response));
}

namespace {

// metav1 option checks answer 422 naming the options kind, as kube does:
// `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: ...`.
ApiError invalidOptions(const char* kind, const api::FieldErrors& errs) {
  return invalidError(ResourceRef{"meta.k8s.io", "", kind, ""}, errs);
}

void checkDryRun(std::string_view value, api::FieldErrors& errs) {
  if (!value.empty() && value != "All") errs.push_back(api::notSupported(api::FieldPath("dryRun"), std::string(value), {"All"}));
}

void checkFieldManager(const std::string& manager, api::FieldErrors& errs) {
  if (manager.size() > 128) errs.push_back(api::tooLong(api::FieldPath("fieldManager"), 128));
  for (unsigned char c : manager) {
    if (c < 0x20 || c == 0x7f) {
      errs.push_back(api::invalid(api::FieldPath("fieldManager"), manager, "must only contain printable characters"));
      break;
    }
  }
}

// kube's default manager: the User-Agent's product name ("kubectl" for kubectl/v1.32).
std::string managerFor(std::string_view fieldManager, std::string_view userAgent) {
  if (!fieldManager.empty()) return std::string(fieldManager);
  std::string ua(userAgent.substr(0, userAgent.find('/')));
  if (ua.size() > 128) ua.resize(128);
  return ua;
}

bool parseNonNegative(std::string_view text, long long& out) {
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  out = std::strtoll(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0' && errno == 0 && out >= 0;
}

// Selectors from the query, with kube's errors for unknown fields.
std::optional<ApiError> parseSelectors(const RestHandler::Call& call, api::LabelSelector& labels,
                                       api::FieldSelector& fields);

}  // namespace

RestHandler::RestHandler(Registry& registry, WatchHub& watches, std::function<void(std::function<void()>)> post)
    : registry_(registry), watches_(watches), post_(std::move(post)) {}

namespace {

std::optional<ApiError> parseSelectors(const RestHandler::Call& call, api::LabelSelector& labels,
                                       api::FieldSelector& fields) {
  auto l = api::LabelSelector::parse(call.param("labelSelector"));
  if (!l.isOk()) return badRequestError(l.status().message());
  labels = std::move(l).value();
  auto f = api::FieldSelector::parse(call.param("fieldSelector"));
  if (!f.isOk()) return badRequestError(f.status().message());
  fields = std::move(f).value();
  const auto& extra = call.info->fieldSelectors;
  for (const auto& term : fields.terms()) {
    if (term.field == "metadata.name" || term.field == "metadata.namespace") continue;
    if (std::find(extra.begin(), extra.end(), term.field) != extra.end()) continue;
    // Kinds with their own field labels answer like their conversion functions; the rest
    // like apimachinery's default.
    if (!extra.empty()) return badRequestError("field label not supported: " + term.field);
    return badRequestError("\"" + term.field + "\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
  }
  return std::nullopt;
}

}  // namespace

void RestHandler::handle(const RequestInfo& ri, const ResourceInfo& info, http::Request&& request,
                         std::shared_ptr<http::Exchange> exchange) {
  auto call = std::make_shared<Call>();
  call->ri = ri;
  call->info = &info;
  call->exchange = std::move(exchange);
  call->query = http::parseQuery(request.query());
  call->request = std::move(request);

  auto output = negotiateOutput(call->request.header("Accept"));
  if (!output) return call->fail(notAcceptable());
  call->output = *output;
  auto include = parseIncludeObject(call->param("includeObject"));
  if (!include) {
    return call->fail(badRequestError("includeObject: Unsupported value: \"" + std::string(call->param("includeObject")) +
                                      "\": supported values: \"None\", \"Metadata\", \"Object\""));
  }
  call->include = *include;

  try {
    const std::string& verb = ri.verb;
    if (verb == "get") return get(call);
    if (verb == "list") return list(call);
    if (verb == "watch") return watch(call);
    if (verb == "create") return create(call);
    if (verb == "update") return update(call);
    if (verb == "patch") return patch(call);
    if (verb == "delete") return remove(call);
    if (verb == "deletecollection") return removeCollection(call);
    call->fail(methodNotAllowedError("the server does not allow this method on the requested resource"));
  } catch (const std::exception& e) {
    // Nothing a client sends may take the server down; report what broke instead.
    call->fail(internalServerError(e.what()));
  }
}

namespace {

// An object in the negotiated representation; `ok` false when the JSON does not parse.

std::string encodeObject(const RestHandler::Call& call, std::string json, bool& ok) {
  ok = true;
  if (call.output.format == OutputFormat::kJson) return json;
  auto obj = parseStored(json);
  if (!obj) {
    ok = false;
    return {};
  }
  nlohmann::json body;
  try {
    if (call.output.format == OutputFormat::kTable) {
      TableWriter writer(*call.info, call.output.metaApiVersion, call.include, clock::nowSeconds());
      body = writer.table({*obj}, true, {{"resourceVersion", fields::str(*obj, {"metadata", "resourceVersion"})}});
    } else {
      body = partialObjectMetadata(*obj, call.output.metaApiVersion);
    }
  } catch (const std::exception&) {
    ok = false;  // a printer tripped over the object; the caller answers 500
    return {};
  }
  return dumpJson(body);
}

}  // namespace

Done RestHandler::answer(std::shared_ptr<Call> call) {
  // Runs after the write, possibly on the store's thread and after this handler is gone:
  // it holds only the call and a copy of the executor.
  return [post = post_, call](Outcome out) {
    if (out.error) return call->fail(*out.error);
    auto send = [call](int code, std::string body, const std::vector<std::string>& warnings) {
      http::Response response;
      response.status = code;
      response.headers.push_back({"Content-Type", call->output.contentType});
      for (const auto& w : warnings) response.headers.push_back({"Warning", warningHeaderValue(w)});
      response.body = std::move(body);
      call->exchange->respond(std::move(response));
    };
    if (call->output.format == OutputFormat::kJson) return send(out.code, std::move(out.object), out.warnings);
    // Other representations need the object parsed: not on a store thread.
    auto shared = std::make_shared<Outcome>(std::move(out));
    post([call, shared, send] {
      bool ok = false;
      std::string body = encodeObject(*call, std::move(shared->object), ok);
      if (!ok) return call->fail(internalServerError("the object could not be encoded"));
      send(shared->code, std::move(body), shared->warnings);
    });
  };
}

void RestHandler::get(const CallPtr& call) {
  Outcome out = registry_.get(*call->info, call->ri.ns, call->ri.name);
  if (out.error) return call->fail(*out.error);
  bool ok;
  std::string body = encodeObject(*call, std::move(out.object), ok);
  if (!ok) return call->fail(internalServerError("the stored object could not be decoded"));
  http::Response response;
  response.headers.push_back({"Content-Type", call->output.contentType});
  response.body = std::move(body);
  call->exchange->respond(std::move(response));
}

void RestHandler::list(const CallPtr& call) {
  api::LabelSelector labels;
  api::FieldSelector fields;
  if (auto err = parseSelectors(*call, labels, fields)) return call->fail(*err);
  ListOptions options;
  options.labels = &labels;
  options.fields = &fields;
  long long limit = 0;
  if (call->has("limit") && !parseNonNegative(call->param("limit"), limit)) limit = 0;  // kube ignores junk
  options.limit = static_cast<size_t>(limit);
  options.continueToken = std::string(call->param("continue"));
  // The body is built while the store is walked, one object at a time, so a list of
  // thousands of objects costs its serialized size and not a parsed copy of each object.
  // "metadata" goes after "items" because the list's continue token is known only then.
  http::Response response;
  response.headers.push_back({"Content-Type", call->output.contentType});
  std::string& body = response.body;
  const std::string& metaApiVersion = call->output.metaApiVersion;
  std::optional<TableWriter> table;
  if (call->output.format == OutputFormat::kTable) {
    table.emplace(*call->info, metaApiVersion, call->include, clock::nowSeconds());
    body = "{\"kind\":\"Table\",\"apiVersion\":" + dumpJson(metaApiVersion) +
           ",\"columnDefinitions\":" + dumpJson(table->columnDefinitions()) + ",\"rows\":[";
  } else if (call->output.format == OutputFormat::kJson) {
    body = "{\"kind\":" + dumpJson(call->info->listKind()) + ",\"apiVersion\":" + dumpJson(call->info->apiVersion()) +
           ",\"items\":[";
  } else {
    body = "{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":" + dumpJson(metaApiVersion) + ",\"items\":[";
  }
  bool firstItem = true;
  ListPage page = registry_.list(*call->info, call->ri.ns, options, [&](store::Record&& rec) {
    if (call->output.format == OutputFormat::kJson) {
      // The fast path: stored bytes spliced into the list, nothing parsed.
      if (!firstItem) body += ',';
      body += rec.value;
      firstItem = false;
      return;
    }
    auto obj = parseStored(rec.value);
    if (!obj) return;
    if (!firstItem) body += ',';
    body += dumpJson(table ? table->row(*obj) : partialObjectMetadata(*obj, metaApiVersion));
    firstItem = false;
  });
  if (page.error) return call->fail(*page.error);

  nlohmann::json meta = {{"resourceVersion", std::to_string(page.revision)}};
  if (!page.continueToken.empty()) meta["continue"] = page.continueToken;
  body += "],\"metadata\":" + dumpJson(meta) + "}";
  call->exchange->respond(std::move(response));
}

void RestHandler::watch(const CallPtr& call) {
  WatchRequest req;
  req.info = call->info;
  req.ns = call->ri.ns;
  if (auto err = parseSelectors(*call, req.labels, req.fields)) return call->fail(*err);
  if (!call->ri.name.empty()) {
    // GET .../services/web?watch=true watches that one object.
    std::string selector = "metadata.name=" + call->ri.name;
    if (!call->param("fieldSelector").empty()) selector += "," + std::string(call->param("fieldSelector"));
    auto f = api::FieldSelector::parse(selector);
    if (!f.isOk()) return call->fail(badRequestError(f.status().message()));
    req.fields = std::move(f).value();
  }
  req.resourceVersion = std::string(call->param("resourceVersion"));
  std::string_view bookmarks = call->param("allowWatchBookmarks");
  req.bookmarks = bookmarks == "true" || bookmarks == "1";
  long long timeout = 0;
  if (call->has("timeoutSeconds") && parseNonNegative(call->param("timeoutSeconds"), timeout)) {
    req.timeoutSeconds = static_cast<int>(std::min<long long>(timeout, 1LL << 30));
  }
  req.output = call->output;
  req.include = call->include;
  if (auto err = watches_.start(std::move(req), call->exchange)) call->fail(*err);
}

namespace {

struct WriteSetup {
  WriteOptions options;
  FieldValidation validation = FieldValidation::kWarn;
};

// dryRun, fieldManager and fieldValidation, checked like kube's metav1 option validation.
std::optional<ApiError> writeSetup(const RestHandler::Call& call, const char* optionsKind, WriteSetup& out) {
  api::FieldErrors errs;
  checkDryRun(call.param("dryRun"), errs);
  out.options.dryRun = call.param("dryRun") == "All";
  out.options.fieldManager = managerFor(call.param("fieldManager"), call.request.header("User-Agent"));
  checkFieldManager(std::string(call.param("fieldManager")), errs);
  auto validation = parseFieldValidation(call.param("fieldValidation"));
  if (!validation) {
    errs.push_back(api::notSupported(api::FieldPath("fieldValidation"), std::string(call.param("fieldValidation")),
                                     {"Ignore", "Strict", "Warn"}));
  } else {
    out.validation = *validation;
  }
  out.options.status = call.ri.subresource == "status";
  if (!errs.empty()) return invalidOptions(optionsKind, errs);
  return std::nullopt;
}

// Decodes a create/update body and applies the fieldValidation directive.
std::optional<ApiError> decodeBody(const RestHandler::Call& call, FieldValidation validation, nlohmann::json& obj,
                                   std::vector<std::string>& warnings) {
  std::string_view contentType = call.request.header("Content-Type");
  BodyFormat format = bodyFormat(contentType);
  if (format != BodyFormat::kJson && format != BodyFormat::kYaml && format != BodyFormat::kProtobuf) {
    return unsupportedMediaTypeError(std::string(contentType));
  }
  std::vector<std::string> problems;
  if (auto err = decodeObject(format, call.request.body, *call.info, obj, problems)) return err;
  return enforceFieldValidation(validation, *call.info, problems, warnings, true);
}

Done withWarnings(Done done, std::vector<std::string> warnings) {
  if (warnings.empty()) return done;
  return [done = std::move(done), warnings = std::move(warnings)](Outcome out) {
    out.warnings.insert(out.warnings.begin(), warnings.begin(), warnings.end());
    done(std::move(out));
  };
}

ApiError notAllowed() { return methodNotAllowedError("the server does not allow this method on the requested resource"); }

}  // namespace

void RestHandler::create(const CallPtr& call) {
  if (!call->ri.name.empty() || !call->ri.subresource.empty()) return call->fail(notAllowed());
  if (call->info->namespaced && call->ri.ns.empty()) return call->fail(notAllowed());
  WriteSetup setup;
  if (auto err = writeSetup(*call, "CreateOptions", setup)) return call->fail(*err);
  nlohmann::json obj;
  std::vector<std::string> warnings;
  if (auto err = decodeBody(*call, setup.validation, obj, warnings)) return call->fail(*err);
  registry_.create(*call->info, call->ri.ns, std::move(obj), std::move(setup.options),
                   withWarnings(answer(call), std::move(warnings)));
}

void RestHandler::update(const CallPtr& call) {
  if (call->ri.name.empty()) return call->fail(notAllowed());
  WriteSetup setup;
  if (auto err = writeSetup(*call, "UpdateOptions", setup)) return call->fail(*err);
  nlohmann::json obj;
  std::vector<std::string> warnings;
  if (auto err = decodeBody(*call, setup.validation, obj, warnings)) return call->fail(*err);
  registry_.update(*call->info, call->ri.ns, call->ri.name, std::move(obj), std::move(setup.options),
                   withWarnings(answer(call), std::move(warnings)));
}

void RestHandler::patch(const CallPtr& call) {
  if (call->ri.name.empty()) return call->fail(notAllowed());
  std::string_view contentType = call->request.header("Content-Type");
  PatchType type;
  switch (bodyFormat(contentType)) {
    case BodyFormat::kJsonPatch: type = PatchType::kJsonPatch; break;
    case BodyFormat::kMergePatch: type = PatchType::kMergePatch; break;
    case BodyFormat::kStrategicMergePatch: type = PatchType::kStrategicMergePatch; break;
    case BodyFormat::kApplyPatch: type = PatchType::kApply; break;
    default:
      return call->fail(ApiError{415, "UnsupportedMediaType",
                                 "the body of the request was in an unknown format - accepted media types include: "
                                 "application/json-patch+json, application/merge-patch+json, "
                                 "application/apply-patch+yaml, application/strategic-merge-patch+json",
                                 {}, {}, 0});
  }
  WriteSetup setup;
  api::FieldErrors optionErrors;
  if (auto err = writeSetup(*call, "PatchOptions", setup)) return call->fail(*err);
  std::string_view force = call->param("force");
  if (type == PatchType::kApply) {
    if (call->param("fieldManager").empty()) {
      optionErrors.push_back(api::required(api::FieldPath("fieldManager"), "is required for apply patch"));
    }
    setup.options.force = force == "true" || force == "1";
  } else if (call->has("force")) {
    optionErrors.push_back(api::forbidden(api::FieldPath("force"), "may not be specified for non-apply patch"));
  }
  if (!optionErrors.empty()) return call->fail(invalidOptions("PatchOptions", optionErrors));

  auto parsed = parseJson(call->request.body, nullptr);
  if (!parsed.isOk()) {
    std::string why = type == PatchType::kApply ? "error decoding YAML: " : "error decoding patch: ";
    return call->fail(badRequestError(why + parsed.status().message()));
  }
  nlohmann::json doc = std::move(parsed).value();
  std::vector<std::string> warnings;
  if (type == PatchType::kApply) {
    // The applied configuration is a (partial) object: hold it to the schema up front.
    if (!doc.is_object()) return call->fail(badRequestError("error decoding YAML: the applied configuration must be an object"));
    std::vector<std::string> problems;
    if (auto err = conformToSchema(doc, *call->info, problems)) return call->fail(*err);
    if (auto err = enforceFieldValidation(setup.validation, *call->info, problems, warnings, false)) {
      return call->fail(*err);
    }
  } else {
    // Patched results are held to the schema inside the registry's retry loop.
    FieldValidation mode = setup.validation;
    const ResourceInfo* info = call->info;
    setup.options.checkPatched = [mode, info](nlohmann::json& obj, std::vector<std::string>& out) {
      std::vector<std::string> problems;
      if (auto err = conformToSchema(obj, *info, problems)) return err;
      return enforceFieldValidation(mode, *info, problems, out, false);
    };
  }
  registry_.patch(*call->info, call->ri.ns, call->ri.name, type, std::move(doc), std::move(setup.options),
                  withWarnings(answer(call), std::move(warnings)));
}

namespace {

// DeleteOptions from the body (JSON) and the query.
std::optional<ApiError> deleteSetup(const RestHandler::Call& call, DeleteOptions& out) {
  api::FieldErrors errs;
  checkDryRun(call.param("dryRun"), errs);
  if (call.param("dryRun") == "All") out.dryRun = true;
  const std::string& body = call.request.body;
  if (body.find_first_not_of(" \t\r\n") != std::string::npos) {
    BodyFormat format = bodyFormat(call.request.header("Content-Type"));
    if (format == BodyFormat::kProtobuf) {
      // kubectl sends JSON; the options of a protobuf delete are not worth a decoder.
      return std::nullopt;
    }
    auto parsed = parseJson(body, nullptr);
    if (!parsed.isOk() || !parsed->is_object()) {
      return badRequestError("error decoding DeleteOptions: " +
                             (parsed.isOk() ? std::string("not an object") : parsed.status().message()));
    }
    const nlohmann::json& o = *parsed;
    if (const auto* dry = fields::find(o, {"dryRun"}); dry && dry->is_array()) {
      for (const auto& v : *dry) {
        std::string s = v.is_string() ? v.get<std::string>() : v.dump();
        checkDryRun(s, errs);
        if (s == "All") out.dryRun = true;
      }
    }
    if (const auto* uid = fields::find(o, {"preconditions", "uid"}); uid && uid->is_string()) out.uid = uid->get<std::string>();
    if (const auto* rv = fields::find(o, {"preconditions", "resourceVersion"}); rv && rv->is_string()) {
      out.resourceVersion = rv->get<std::string>();
    }
  }
  if (!errs.empty()) return invalidOptions("DeleteOptions", errs);
  return std::nullopt;
}

}  // namespace

void RestHandler::remove(const CallPtr& call) {
  if (!call->ri.subresource.empty()) return call->fail(notAllowed());
  DeleteOptions options;
  if (auto err = deleteSetup(*call, options)) return call->fail(*err);
  registry_.remove(*call->info, call->ri.ns, call->ri.name, std::move(options), answer(call));
}

void RestHandler::removeCollection(const CallPtr& call) {
  if (!call->ri.subresource.empty()) return call->fail(notAllowed());
  DeleteOptions options;
  if (auto err = deleteSetup(*call, options)) return call->fail(*err);
  api::LabelSelector labels;
  api::FieldSelector fields;
  if (auto err = parseSelectors(*call, labels, fields)) return call->fail(*err);
  ListOptions list;
  list.labels = &labels;
  list.fields = &fields;
  // A list answer is not a single object: always plain JSON.
  call->output = Output{};
  registry_.removeCollection(*call->info, call->ri.ns, list, std::move(options), answer(call));
}

}  // namespace edgeway::apiserver
