#include "apiserver/src/watch_session.h"

#include <cerrno>
#include <cstdlib>
#include <random>
#include <unordered_map>

#include "apiserver/src/stored_object.h"
#include "base/clock.h"

namespace edgeway::apiserver {

// One open watch. Events arrive on a store thread, the initial state and timers on io
// threads; the stream serializes the writes. Lifetime: the stream's onClosed callback
// holds the session; the store watch and timers hold it weakly.
class WatchSession : public std::enable_shared_from_this<WatchSession> {
 public:
  WatchSession(WatchRequest request, store::Store& store, WatchHub::Timer timer,
               std::shared_ptr<WatchHub::State> hub, int bookmarkSeconds)
      : req_(std::move(request)), store_(store), timer_(std::move(timer)), hub_(std::move(hub)),
        bookmarkSeconds_(bookmarkSeconds), prefix_(req_.ns.empty() || !req_.info->namespaced
                                                       ? req_.info->storePrefix()
                                                       : req_.info->storePrefix() + req_.ns + "/"),
        filtered_(!req_.labels.empty() || !req_.fields.empty()),
        fieldsFromKey_(req_.fields.onlyNameAndNamespace()),
        keyOnly_(fieldsFromKey_ && req_.labels.empty()) {}

  // Streams from `after` (or the current state when `initial`).
  void run(std::shared_ptr<http::Stream> stream, bool initial, store::Revision after);
  // Sends one ERROR event and ends (resourceVersion too old).
  void expire(std::shared_ptr<http::Stream> stream, const std::string& message);
  // Ends the watch. Never call from a store callback (it stops the store watch).
  void end() { finish(false); }

 private:
  bool matches(const store::Record& rec, std::optional<nlohmann::json>& obj) const;
  bool deliver(const char* type, const store::Record& rec, std::optional<nlohmann::json>& obj);
  bool onEvent(const store::Event& e);
  void finish(bool fromStore);
  void armBookmark();
  void armTimeout();
  bool write(std::string frame);

  WatchRequest req_;
  store::Store& store_;
  WatchHub::Timer timer_;
  std::shared_ptr<WatchHub::State> hub_;
  const int bookmarkSeconds_;
  const std::string prefix_;
  const bool filtered_;
  const bool fieldsFromKey_;
  // The selector reads only the key (name/namespace), which an object never changes: events
  // pass or not as they are, with no selector transitions to track.
  const bool keyOnly_;

  std::shared_ptr<http::Stream> stream_;
  std::mutex mu_;
  bool ended_ = false;
  std::unique_ptr<store::Watch> watch_;
  std::atomic<store::Revision> lastRevision_{0};
  bool columnsSent_ = false;  // event-path state: one writer at a time (see run)
  // For selector watches reading the object: what the client holds for each key seen since
  // the watch began. Watching from an old revision, keys changed since then are unknown until
  // their first event settles them; a key never seen that existed at that revision was
  // deleted before the watch began and is unknown too.
  enum class Held { kMatched, kUnmatched, kUnknown };
  std::unordered_map<std::string, Held> known_;
  store::Revision from_ = 0;
};

namespace {

std::string frameOf(const char* type, const std::string& objectJson) {
  std::string out;
  out.reserve(objectJson.size() + 32);
  out += "{\"type\":\"";
  out += type;
  out += "\",\"object\":";
  out += objectJson;
  out += "}\n";
  return out;
}

}  // namespace

bool WatchSession::write(std::string frame) { return stream_->write(std::move(frame)); }

bool WatchSession::matches(const store::Record& rec, std::optional<nlohmann::json>& obj) const {
  if (!filtered_) return true;
  if (keyOnly_) {
    std::string_view rest = std::string_view(rec.key).substr(req_.info->storePrefix().size());
    size_t slash = rest.find('/');
    std::string_view ns = rest.substr(0, slash), name = rest.substr(slash + 1);
    return req_.fields.matches([&](std::string_view f) { return std::string(f == "metadata.name" ? name : ns); });
  }
  if (!obj) obj = parseStored(rec.value);
  if (!obj) return false;
  static const nlohmann::json kNone;
  const nlohmann::json* labels = &kNone;
  if (auto m = obj->find("metadata"); m != obj->end() && m->is_object()) {
    if (auto it = m->find("labels"); it != m->end()) labels = &*it;
  }
  return req_.labels.matches(*labels) && req_.fields.matches(*obj);
}

bool WatchSession::deliver(const char* type, const store::Record& rec, std::optional<nlohmann::json>& obj) {
  if (req_.output.format == OutputFormat::kJson) return write(frameOf(type, rec.value));
  if (!obj) obj = parseStored(rec.value);
  if (!obj) return true;  // unreadable record: nothing sensible to send
  nlohmann::json body;
  try {
    if (req_.output.format == OutputFormat::kTable) {
      TableWriter writer(*req_.info, req_.output.metaApiVersion, req_.include, clock::nowSeconds());
      body = writer.table({*obj}, !columnsSent_, {{"resourceVersion", std::to_string(rec.modRevision)}});
      columnsSent_ = true;
    } else {
      body = partialObjectMetadata(*obj, req_.output.metaApiVersion);
    }
  } catch (const std::exception&) {
    return true;  // a printer tripped over this object: skip it rather than end the watch
  }
  return write(frameOf(type, dumpJson(body)));
}

void WatchSession::run(std::shared_ptr<http::Stream> stream, bool initial, store::Revision after) {
  stream_ = std::move(stream);
  auto self = shared_from_this();
  stream_->onClosed([self] { self->end(); });
  from_ = after;

  if (initial) {
    store::ListResult current = store_.list(prefix_);
    after = current.revision;
    for (const auto& rec : current.records) {
      std::optional<nlohmann::json> obj;
      bool match = matches(rec, obj);
      if (filtered_ && !keyOnly_) known_[rec.key] = match ? Held::kMatched : Held::kUnmatched;
      if (match && !deliver("ADDED", rec, obj)) return end();
    }
  } else if (filtered_ && !keyOnly_) {
    // What matched at `after` is what matches now among objects unchanged since; objects
    // changed since are settled by the events that changed them.
    store::ListResult current = store_.list(prefix_);
    for (const auto& rec : current.records) {
      std::optional<nlohmann::json> obj;
      known_[rec.key] = rec.modRevision > after ? Held::kUnknown
                        : matches(rec, obj)     ? Held::kMatched
                                                : Held::kUnmatched;
    }
  }
  lastRevision_ = after;

  std::weak_ptr<WatchSession> weak = self;
  store::WatchCallbacks callbacks;
  callbacks.onEvent = [weak](const store::Event& e) {
    auto s = weak.lock();
    return s && s->onEvent(e);
  };
  callbacks.onClosed = [weak](const Status&) {
    if (auto s = weak.lock()) s->finish(true);
  };
  auto watch = store_.watch(prefix_, after, std::move(callbacks));
  if (!watch.isOk()) {
    if (watch.status().code() == StatusCode::kGone) {
      return expire(stream_, "too old resource version: " + std::to_string(after) + " (" +
                                 std::to_string(store_.compactedRevision()) + ")");
    }
    write(frameOf("ERROR", dumpJson(fromStatus(watch.status(), req_.info->ref("")).toStatus())));
    return end();
  }
  bool stopNow;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopNow = ended_;
    watch_ = std::move(watch).value();
  }
  if (stopNow) return end();  // the client left while we were starting
  armTimeout();
  if (req_.bookmarks) armBookmark();
}

void WatchSession::expire(std::shared_ptr<http::Stream> stream, const std::string& message) {
  if (!stream_) {
    stream_ = std::move(stream);
    auto self = shared_from_this();
    stream_->onClosed([self] { self->end(); });
  }
  write(frameOf("ERROR", dumpJson(expiredError(message).toStatus())));
  end();
}

bool WatchSession::onEvent(const store::Event& e) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_) return false;
  }
  const store::Record& rec = e.record;
  std::optional<nlohmann::json> obj;
  bool ok = true;
  if (!filtered_ || keyOnly_) {
    if (filtered_ && !matches(rec, obj)) return true;
    const char* type = e.type == store::EventType::kAdded      ? "ADDED"
                       : e.type == store::EventType::kModified ? "MODIFIED"
                                                               : "DELETED";
    ok = deliver(type, rec, obj);
  } else {
    // Selector transitions, as kube's watch cache reports them.
    bool now = matches(rec, obj);
    auto it = known_.find(rec.key);
    Held held = it != known_.end()             ? it->second
                : rec.createRevision <= from_ ? Held::kUnknown  // deleted before the watch began
                                              : Held::kUnmatched;
    bool had = held == Held::kMatched;
    bool unknown = held == Held::kUnknown;
    if (e.type == store::EventType::kDeleted) {
      if (had || (unknown && now)) ok = deliver("DELETED", rec, obj);
      known_[rec.key] = Held::kUnmatched;  // gone; a re-creation is new to the client
    } else if (now) {
      bool existed = had || (unknown && rec.createRevision <= from_);
      ok = deliver(existed ? "MODIFIED" : "ADDED", rec, obj);
      known_[rec.key] = Held::kMatched;
    } else {
      if (had) ok = deliver("DELETED", rec, obj);
      known_[rec.key] = Held::kUnmatched;
    }
  }
  lastRevision_ = rec.modRevision;
  if (!ok) {
    finish(true);  // gone or too slow; the store ends the watch on our `false`
    return false;
  }
  return true;
}

void WatchSession::finish(bool fromStore) {
  bool first;
  std::unique_ptr<store::Watch> watch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    first = !ended_;
    ended_ = true;
    // Stopping waits for a running callback, so it cannot happen on the store's thread;
    // the stream's onClosed (after close below) gets here again from an io thread.
    if (!fromStore) watch = std::move(watch_);
  }
  if (watch) watch->stop();
  if (first) {
    if (stream_) stream_->close();
    std::lock_guard<std::mutex> lock(hub_->mu);
    hub_->sessions.erase(this);
  }
}

void WatchSession::armTimeout() {
  int seconds = req_.timeoutSeconds;
  if (seconds <= 0) {
    // kube's default: a random 30-60 minutes, so that clients reconnect spread out.
    thread_local std::mt19937 rng{std::random_device{}()};
    seconds = std::uniform_int_distribution<int>(1800, 3600)(rng);
  }
  std::weak_ptr<WatchSession> weak = shared_from_this();
  timer_(seconds * 1000, [weak] {
    if (auto s = weak.lock()) s->end();
  });
}

void WatchSession::armBookmark() {
  std::weak_ptr<WatchSession> weak = shared_from_this();
  timer_(bookmarkSeconds_ * 1000, [weak] {
    auto s = weak.lock();
    if (!s) return;
    {
      std::lock_guard<std::mutex> lock(s->mu_);
      if (s->ended_) return;
    }
    nlohmann::json obj;
    std::string rv = std::to_string(s->lastRevision_.load());
    if (s->req_.output.format == OutputFormat::kTable) {
      obj = {{"kind", "Table"}, {"apiVersion", s->req_.output.metaApiVersion}, {"metadata", {{"resourceVersion", rv}}},
             {"columnDefinitions", nullptr}, {"rows", nullptr}};
    } else {
      obj = {{"kind", s->req_.info->kind}, {"apiVersion", s->req_.info->apiVersion()},
             {"metadata", {{"resourceVersion", rv}}}};
    }
    if (!s->write(frameOf("BOOKMARK", dumpJson(obj)))) return s->end();
    s->armBookmark();
  });
}

WatchHub::WatchHub(store::Store& store, Timer timer, size_t maxWatches, int bookmarkSeconds)
    : store_(store), timer_(std::move(timer)), maxWatches_(maxWatches), bookmarkSeconds_(bookmarkSeconds),
      state_(std::make_shared<State>()) {}

WatchHub::~WatchHub() { stopAll(); }

size_t WatchHub::active() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->sessions.size();
}

void WatchHub::stopAll() {
  std::vector<std::shared_ptr<WatchSession>> open;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    for (auto& [ptr, weak] : state_->sessions) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->end();
}

std::optional<ApiError> WatchHub::start(WatchRequest request, const std::shared_ptr<http::Exchange>& exchange) {
  bool initial = request.resourceVersion.empty() || request.resourceVersion == "0";
  store::Revision after = 0;
  if (!initial) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(request.resourceVersion.c_str(), &end, 10);
    if (*end != '\0' || errno != 0 || v < 0) {
      return badRequestError("invalid resource version: " + request.resourceVersion);
    }
    after = v;
  }
  std::string contentType = request.output.contentType;
  auto session = std::make_shared<WatchSession>(std::move(request), store_, timer_, state_, bookmarkSeconds_);
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->sessions.size() >= maxWatches_) return tooManyRequestsError("Too many requests, please try again later.");
    state_->sessions.emplace(session.get(), session);
  }
  auto stream = exchange->startStream(200, {{"Content-Type", contentType}});
  session->run(std::move(stream), initial, after);
  return std::nullopt;
}

}  // namespace edgeway::apiserver
