#include "netstack/nft_backend.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "cache/snapshot.h"

namespace edgeway::netstack {

std::string describeNetlinkErrno(int err) {
  std::string sys = std::strerror(err);
  switch (err) {
    case EPERM:
    case EACCES:
      return "needs CAP_NET_ADMIN (netlink: " + sys + ")";
    case EPROTONOSUPPORT:
    case EAFNOSUPPORT:
      return "not supported by this kernel (netlink: " + sys + ")";
    case EOPNOTSUPP:
      return "a feature the rules use is not supported by this kernel (netlink: " + sys + ")";
    case ENOENT:
      return "does not exist (netlink: " + sys + ")";
    case EEXIST:
      return "already exists (netlink: " + sys + ")";
    case EBUSY:
      return "still in use (netlink: " + sys + ")";
    case ENOBUFS:
      return "kernel replies were lost (netlink: " + sys + ")";
    default:
      return "netlink: " + sys;
  }
}

namespace {

constexpr size_t kRecvBuffer = 1 << 16;

class NetlinkBackend final : public NftBackend {
 public:
  explicit NetlinkBackend(mnl_socket* nl) : nl_(nl), portid_(mnl_socket_get_portid(nl)) {
    seq_ = static_cast<uint32_t>(std::time(nullptr)) << 8;
  }
  ~NetlinkBackend() override { mnl_socket_close(nl_); }

  Status commit(const NftBatch& batch) override {
    if (batch.empty()) return Status::ok();
    auto encoded = encodeBatch(batch, seq_);
    if (!encoded.isOk()) return encoded.status();
    const EncodedBatch& eb = *encoded;
    seq_ = eb.lastSeq + 1;
    growSendBuffer(eb.bytes.size());
    if (mnl_socket_sendto(nl_, eb.bytes.data(), eb.bytes.size()) < 0)
      return internalError("nftables: sending the batch: " + describeNetlinkErrno(errno));
    // Every failing message gets an error reply; the last data message (NLM_F_ACK) gets a
    // reply in any case, after the others. A commit-phase error arrives first, against the
    // batch-begin message.
    const uint32_t ackSeq = eb.lastSeq - 1;
    Status first;
    std::vector<uint8_t> buf(kRecvBuffer);
    for (;;) {
      ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
      if (n < 0) {
        int err = errno;
        if (err == EINTR) continue;
        return internalError("nftables: reading the kernel's replies: " + describeNetlinkErrno(err) +
                             (err == EAGAIN ? " (timed out)" : ""));
      }
      bool done = false;
      int len = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
        if (h->nlmsg_type != NLMSG_ERROR) continue;
        const auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(h));
        if (e->error != 0 && first.isOk()) {
          int err = -e->error;
          first = Status(err == EPERM || err == EACCES ? StatusCode::kUnavailable : StatusCode::kInternal,
                         "nftables: " + eb.describe(h->nlmsg_seq) + ": " + describeNetlinkErrno(err));
        }
        if (h->nlmsg_seq == ackSeq) done = true;
      }
      if (done) return first;
    }
  }

  Result<std::vector<Element>> listElements(IpFamily family, const std::string& table,
                                            const NamedSet& set) override {
    std::vector<char> buf(kRecvBuffer);
    const uint32_t seq = seq_++;
    const uint16_t fam = family == IpFamily::kIPv4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
    nlmsghdr* h = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETSETELEM, fam, NLM_F_DUMP | NLM_F_ACK, seq);
    nftnl_set* s = nftnl_set_alloc();
    nftnl_set_set_str(s, NFTNL_SET_TABLE, table.c_str());
    nftnl_set_set_str(s, NFTNL_SET_NAME, set.name.c_str());
    nftnl_set_elems_nlmsg_build_payload(h, s);
    nftnl_set_free(s);
    if (mnl_socket_sendto(nl_, h, h->nlmsg_len) < 0)
      return internalError("nftables: listing " + set.name + ": " + describeNetlinkErrno(errno));
    struct Ctx {
      IpFamily family;
      const NamedSet* set;
      std::vector<Element> out;
      Status status;
    } ctx{family, &set, {}, Status::ok()};
    auto cb = [](const nlmsghdr* nlh, void* data) -> int {
      auto* c = static_cast<Ctx*>(data);
      nftnl_set* parsed = nftnl_set_alloc();
      if (nftnl_set_elems_nlmsg_parse(nlh, parsed) < 0) {
        nftnl_set_free(parsed);
        return MNL_CB_ERROR;
      }
      nftnl_set_elems_iter* it = nftnl_set_elems_iter_create(parsed);
      while (nftnl_set_elem* el = nftnl_set_elems_iter_next(it)) {
        uint32_t klen = 0, dlen = 0;
        const auto* k = static_cast<const uint8_t*>(nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &klen));
        const auto* d = static_cast<const uint8_t*>(nftnl_set_elem_get(el, NFTNL_SET_ELEM_DATA, &dlen));
        std::vector<uint8_t> key(k, k + (k ? klen : 0)), value(d, d + (d ? dlen : 0));
        auto e = decodeElement(c->family, *c->set, key, value);
        if (e.isOk()) c->out.push_back(std::move(*e));
      }
      nftnl_set_elems_iter_destroy(it);
      nftnl_set_free(parsed);
      return MNL_CB_OK;
    };
    for (;;) {
      ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return internalError("nftables: listing " + set.name + ": " + describeNetlinkErrno(errno));
      }
      int ret = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid_, cb, &ctx);
      if (ret < 0)
        return internalError("nftables: listing " + set.name + ": " + describeNetlinkErrno(errno));
      if (ret == MNL_CB_STOP) break;
    }
    return std::move(ctx.out);
  }

 private:
  void growSendBuffer(size_t bytes) {
    if (bytes + 4096 <= sndbuf_) return;
    int size = static_cast<int>(bytes + 65536);
    // FORCE needs CAP_NET_ADMIN, which programming nftables needs anyway.
    if (setsockopt(mnl_socket_get_fd(nl_), SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
      setsockopt(mnl_socket_get_fd(nl_), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    sndbuf_ = bytes + 65536;
  }

  mnl_socket* nl_;
  uint32_t portid_;
  uint32_t seq_;
  size_t sndbuf_ = 0;
};

}  // namespace

Result<std::unique_ptr<NftBackend>> openNetlinkBackend() {
  mnl_socket* nl = mnl_socket_open(NETLINK_NETFILTER);
  if (!nl) return unavailable("nftables: " + describeNetlinkErrno(errno));
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(nl);
    return unavailable("nftables: binding the netlink socket: " + describeNetlinkErrno(err));
  }
  int fd = mnl_socket_get_fd(nl);
  int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);  // errors without the echoed request
  int rcv = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  timeval tv{60, 0};  // a kernel that never answers must not hang the syncer forever
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return std::unique_ptr<NftBackend>(new NetlinkBackend(nl));
}

Status checkKernel() {
  auto backend = openNetlinkBackend();
  if (!backend.isOk()) return backend.status();
  NodeInfo node;
  node.clusterCidrs = {Cidr(IpAddress::v4(0x0a2a0000), 16)};
  RuleModel model = buildRuleModel(cache::Snapshot(), node);
  NftBatch batch;
  const std::string probe = "edgeway-probe-" + std::to_string(getpid());
  for (auto& t : model.tables) {
    t.name = probe;
    batch.replaceTable(t);
    batch.deleteTable(t.family, t.name);
  }
  Status s = (*backend)->commit(batch);
  if (!s.isOk()) return Status(s.code(), "kernel check failed: " + s.message());
  return Status::ok();
}

}  // namespace edgeway::netstack
