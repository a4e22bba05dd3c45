#include "http/pki.h"

#include <gtest/gtest.h>
#include <mbedtls/x509_crt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/clock.h"
#include "http/pki_store.h"

namespace edgeway::http {
namespace {

namespace fs = std::filesystem;

constexpr std::time_t kDay = kSecondsPerDay;

CertifiedKey makeCa() {
  auto ca = createCertificateAuthority(clock::nowSeconds());
  EXPECT_TRUE(ca) << ca.status().toString();
  return *ca;
}

SubjectAltNames sansOf(std::initializer_list<const char*> names) {
  SubjectAltNames sans;
  for (const char* n : names) EXPECT_TRUE(sans.add(n).isOk()) << n;
  return sans;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool containsIp(const SubjectAltNames& sans, const char* ip) {
  auto parsed = IpAddress::parse(ip);
  EXPECT_TRUE(parsed) << ip;
  return std::find(sans.ipAddresses.begin(), sans.ipAddresses.end(), *parsed) != sans.ipAddresses.end();
}

// mbedTLS's own chain verification, as the TLS server and the agent's client will run it.
uint32_t mbedtlsVerify(const std::string& certPem, const std::string& caPem, const char* expectedName) {
  mbedtls_x509_crt cert, ca;
  mbedtls_x509_crt_init(&cert);
  mbedtls_x509_crt_init(&ca);
  EXPECT_EQ(mbedtls_x509_crt_parse(&cert, reinterpret_cast<const unsigned char*>(certPem.c_str()),
                                   certPem.size() + 1),
            0);
  EXPECT_EQ(
      mbedtls_x509_crt_parse(&ca, reinterpret_cast<const unsigned char*>(caPem.c_str()), caPem.size() + 1),
      0);
  uint32_t flags = 0;
  int rc = mbedtls_x509_crt_verify(&cert, &ca, nullptr, expectedName, &flags, nullptr, nullptr);
  mbedtls_x509_crt_free(&cert);
  mbedtls_x509_crt_free(&ca);
  return rc == 0 ? 0 : (flags == 0 ? 0xffffffff : flags);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
}

mode_t modeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// --- certificates --------------------------------------------------------------------------

TEST(PkiTest, CertificateAuthorityIsSelfSignedCaForTenYears) {
  std::time_t now = clock::nowSeconds();
  auto ca = createCertificateAuthority(now);
  ASSERT_TRUE(ca) << ca.status().toString();
  auto info = inspectCertificate(ca->certPem);
  ASSERT_TRUE(info) << info.status().toString();
  EXPECT_EQ(info->commonName, "edgeway-ca@" + std::to_string(now));
  EXPECT_EQ(info->issuerCommonName, info->commonName);
  EXPECT_TRUE(info->isCa);
  EXPECT_EQ(info->notAfter, now + 3650 * kDay);
  EXPECT_LT(info->notBefore, now);
  EXPECT_LE(info->serialHex.size(), 32u) << info->serialHex;  // at most 128 bits
  EXPECT_TRUE(verifyIssuedBy(ca->certPem, ca->certPem).isOk());
  EXPECT_TRUE(checkKeyMatchesCertificate(ca->certPem, ca->keyPem).isOk());
  ASSERT_EQ(mbedtlsVerify(ca->certPem, ca->certPem, nullptr), 0u);
}

TEST(PkiTest, SerialNumbersDiffer) {
  CertifiedKey ca = makeCa();
  std::time_t now = clock::nowSeconds();
  auto a = issueClientCertificate(ca, "u", {}, now, kDay);
  auto b = issueClientCertificate(ca, "u", {}, now, kDay);
  ASSERT_TRUE(a && b);
  EXPECT_NE(inspectCertificate(a->certPem)->serialHex, inspectCertificate(b->certPem)->serialHex);
  EXPECT_NE(a->keyPem, b->keyPem);
}

TEST(PkiTest, ServingCertificateVerifiesAgainstCaAndCarriesSans) {
  CertifiedKey ca = makeCa();
  std::time_t now = clock::nowSeconds();
  auto serving = issueServingCertificate(ca,
                                         sansOf({"localhost", "kubernetes.default.svc", "gw.example.com",
                                                 "127.0.0.1", "10.43.0.1", "::1", "fd00::7"}),
                                         now);
  ASSERT_TRUE(serving) << serving.status().toString();

  EXPECT_EQ(mbedtlsVerify(serving->certPem, ca.certPem, "kubernetes.default.svc"), 0u);
  EXPECT_EQ(mbedtlsVerify(serving->certPem, ca.certPem, "gw.example.com"), 0u);
  EXPECT_NE(mbedtlsVerify(serving->certPem, ca.certPem, "elsewhere.example.com"), 0u);
  EXPECT_TRUE(verifyIssuedBy(serving->certPem, ca.certPem).isOk());
  EXPECT_TRUE(checkKeyMatchesCertificate(serving->certPem, serving->keyPem).isOk());

  auto info = inspectCertificate(serving->certPem);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->commonName, "edgeway-apiserver");
  EXPECT_EQ(info->issuerCommonName, inspectCertificate(ca.certPem)->commonName);
  EXPECT_FALSE(info->isCa);
  EXPECT_TRUE(info->serverAuth);
  EXPECT_FALSE(info->clientAuth);
  EXPECT_EQ(info->notAfter, now + 365 * kDay);
  EXPECT_EQ(info->sans.dnsNames,
            (std::vector<std::string>{"localhost", "kubernetes.default.svc", "gw.example.com"}));
  EXPECT_EQ(info->sans.ipAddresses.size(), 4u);
  for (const char* ip : {"127.0.0.1", "10.43.0.1", "::1", "fd00::7"})
    EXPECT_TRUE(containsIp(info->sans, ip)) << ip;
}

TEST(PkiTest, CertificateFromAnotherCaIsRejected) {
  CertifiedKey ca = makeCa();
  CertifiedKey other = makeCa();
  auto serving = issueServingCertificate(other, sansOf({"localhost"}), clock::nowSeconds());
  ASSERT_TRUE(serving);
  EXPECT_FALSE(verifyIssuedBy(serving->certPem, ca.certPem).isOk());
  EXPECT_NE(mbedtlsVerify(serving->certPem, ca.certPem, nullptr), 0u);
  EXPECT_FALSE(checkKeyMatchesCertificate(serving->certPem, ca.keyPem).isOk());
}

TEST(PkiTest, ClientCertificateHasUserAndGroups) {
  CertifiedKey ca = makeCa();
  std::time_t now = clock::nowSeconds();
  auto client = issueClientCertificate(ca, "jane", {"edgeway:view", "team-a"}, now, 30 * kDay);
  ASSERT_TRUE(client) << client.status().toString();
  auto info = inspectCertificate(client->certPem);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->commonName, "jane");
  EXPECT_EQ(info->organizations, (std::vector<std::string>{"edgeway:view", "team-a"}));
  EXPECT_TRUE(info->clientAuth);
  EXPECT_FALSE(info->serverAuth);
  EXPECT_FALSE(info->isCa);
  EXPECT_TRUE(info->sans.dnsNames.empty() && info->sans.ipAddresses.empty());
  EXPECT_EQ(info->notAfter, now + 30 * kDay);
  EXPECT_EQ(mbedtlsVerify(client->certPem, ca.certPem, nullptr), 0u);
}

TEST(PkiTest, LeafNeverOutlivesItsCa) {
  std::time_t now = clock::nowSeconds();
  auto ca = createCertificateAuthority(now, 10 * kDay);
  ASSERT_TRUE(ca);
  auto client = issueClientCertificate(*ca, "u", {}, now, 365 * kDay);
  ASSERT_TRUE(client);
  EXPECT_EQ(inspectCertificate(client->certPem)->notAfter, now + 10 * kDay);
  EXPECT_FALSE(issueClientCertificate(*ca, "u", {}, now + 11 * kDay, kDay).isOk());  // CA expired by then
}

TEST(PkiTest, BadIssuingInputIsRefused) {
  CertifiedKey ca = makeCa();
  std::time_t now = clock::nowSeconds();
  EXPECT_FALSE(issueClientCertificate(ca, "", {}, now, kDay).isOk());
  EXPECT_FALSE(issueClientCertificate(ca, "u", {""}, now, kDay).isOk());
  EXPECT_FALSE(issueClientCertificate(ca, "bad\nname", {}, now, kDay).isOk());
  EXPECT_FALSE(issueServingCertificate(ca, SubjectAltNames{}, now).isOk());
  // A leaf certificate cannot act as a CA, nor can a CA certificate with someone else's key.
  auto leaf = issueClientCertificate(ca, "u", {}, now, kDay);
  ASSERT_TRUE(leaf);
  EXPECT_FALSE(issueClientCertificate(*leaf, "v", {}, now, kDay).isOk());
  EXPECT_FALSE(issueClientCertificate({ca.certPem, leaf->keyPem}, "v", {}, now, kDay).isOk());
}

TEST(PkiTest, SubjectAltNamesClassifyNormaliseAndCover) {
  SubjectAltNames sans;
  EXPECT_TRUE(sans.add("Gateway.Example.COM").isOk());
  EXPECT_TRUE(sans.add("gateway.example.com").isOk());  // duplicate after lower-casing
  EXPECT_TRUE(sans.add("*.apps.example.com").isOk());
  EXPECT_TRUE(sans.add("[fd00::1]").isOk());
  EXPECT_TRUE(sans.add("192.168.1.10").isOk());
  EXPECT_EQ(sans.dnsNames, (std::vector<std::string>{"gateway.example.com", "*.apps.example.com"}));
  EXPECT_EQ(sans.ipAddresses.size(), 2u);
  for (const char* bad : {"", "two words", "a..b", "trailing.", "x/y", "a.*.b", "300.1.1.1:80"}) {
    EXPECT_FALSE(sans.add(bad).isOk()) << bad;
  }
  SubjectAltNames required = sansOf({"gateway.example.com", "fd00::1"});
  EXPECT_TRUE(sans.covers(required));
  EXPECT_TRUE(sans.add("10.0.0.1").isOk());
  EXPECT_FALSE(required.covers(sans));
}

TEST(PkiTest, PemRoundTripsAndRejectsGarbage) {
  std::string der(300, '\0');
  for (size_t i = 0; i < der.size(); ++i) der[i] = static_cast<char>(i * 7);
  std::string pem = encodePem({"CERTIFICATE", der}) + "junk between\n" + encodePem({"EC PRIVATE KEY", "abc"});
  auto blocks = decodePem(pem);
  ASSERT_TRUE(blocks) << blocks.status().toString();
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_EQ((*blocks)[0].label, "CERTIFICATE");
  EXPECT_EQ((*blocks)[0].der, der);
  EXPECT_EQ((*blocks)[1].label, "EC PRIVATE KEY");
  EXPECT_EQ((*blocks)[1].der, "abc");
  std::istringstream lines(pem);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 64u) << line;
  EXPECT_FALSE(decodePem("no pem here").isOk());
  EXPECT_FALSE(decodePem("-----BEGIN X-----\n!!!!\n-----END X-----\n").isOk());
  EXPECT_FALSE(decodePem("-----BEGIN X-----\nQUJD\n").isOk());
  EXPECT_FALSE(
      decodePem(
          "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nQUJD\n-----END EC PRIVATE KEY-----\n")
          .isOk());
  EXPECT_EQ(base64Encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(inspectCertificate("not a certificate").isOk());
}

// --- PkiStore --------------------------------------------------------------------------------

class PkiStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/edgeway-pki-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/tls";
    options_.nodeName = "edge-1";
    options_.nodeIps = {"192.168.1.20", "fd00:1::20"};
    options_.serviceIp = "10.43.0.1";
  }
  void TearDown() override { fs::remove_all(root_); }

  PkiStore load() {
    auto store = PkiStore::loadOrCreate(dir_, options_);
    EXPECT_TRUE(store) << store.status().toString();
    return std::move(*store);
  }
  std::string file(const char* name) const { return readFile(dir_ + "/" + name); }
  std::string path(const char* name) const { return dir_ + "/" + name; }

  std::string root_;
  std::string dir_;
  PkiOptions options_;
};

const char* const kAllFiles[] = {"ca.crt",        "ca.key",    "apiserver.crt",
                                 "apiserver.key", "admin.crt", "admin.key"};

TEST_F(PkiStoreTest, FirstStartCreatesEverythingPrivately) {
  PkiStore store = load();
  EXPECT_EQ(modeOf(dir_), 0700u);
  for (const char* name : kAllFiles) EXPECT_EQ(modeOf(path(name)), 0600u) << name;
  EXPECT_EQ(file("ca.crt"), store.caCertPem());
  EXPECT_EQ(file("apiserver.key"), store.servingKeyPem());
  EXPECT_EQ(file("apiserver.crt") + file("ca.crt"), store.servingCertChainPem());
  EXPECT_EQ(file("admin.crt"), store.adminCertPem());
  EXPECT_EQ(file("admin.key"), store.adminKeyPem());
  EXPECT_FALSE(store.needsRenewal(clock::nowSeconds()));

  auto serving = inspectCertificate(store.servingCertChainPem());
  ASSERT_TRUE(serving);
  EXPECT_EQ(
      mbedtlsVerify(store.servingCertChainPem(), store.caCertPem(), "kubernetes.default.svc.cluster.local"),
      0u);
  for (const char* name : {"localhost", "edge-1", "kubernetes", "kubernetes.default",
                           "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}) {
    EXPECT_TRUE(contains(serving->sans.dnsNames, name)) << name;
  }
  for (const char* ip : {"127.0.0.1", "::1", "192.168.1.20", "fd00:1::20", "10.43.0.1"}) {
    EXPECT_TRUE(containsIp(serving->sans, ip)) << ip;
  }
  EXPECT_EQ(serving->notAfter, store.servingNotAfter());

  auto admin = inspectCertificate(store.adminCertPem());
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->commonName, "admin");
  EXPECT_EQ(admin->organizations, std::vector<std::string>{"system:masters"});
  EXPECT_TRUE(admin->clientAuth);
  EXPECT_EQ(mbedtlsVerify(store.adminCertPem(), store.caCertPem(), nullptr), 0u);
  EXPECT_TRUE(checkKeyMatchesCertificate(store.adminCertPem(), store.adminKeyPem()).isOk());
}

TEST_F(PkiStoreTest, RestartReusesEveryFile) {
  load();
  std::vector<std::string> before;
  for (const char* name : kAllFiles) before.push_back(file(name));
  PkiStore again = load();
  for (size_t i = 0; i < std::size(kAllFiles); ++i) EXPECT_EQ(file(kAllFiles[i]), before[i]) << kAllFiles[i];
  EXPECT_EQ(again.caCertPem(), before[0]);
  EXPECT_EQ(again.servingKeyPem(), before[3]);
}

TEST_F(PkiStoreTest, NewSanReissuesServingCertificateWithTheSameCa) {
  PkiStore first = load();
  options_.sans = {"gw.example.com", "203.0.113.5"};
  PkiStore second = load();
  EXPECT_EQ(second.caCertPem(), first.caCertPem());
  EXPECT_NE(second.servingCertChainPem(), first.servingCertChainPem());
  EXPECT_NE(second.servingKeyPem(), first.servingKeyPem());
  EXPECT_EQ(second.adminCertPem(), first.adminCertPem());
  auto info = inspectCertificate(second.servingCertChainPem());
  ASSERT_TRUE(info);
  EXPECT_TRUE(contains(info->sans.dnsNames, "gw.example.com"));
  EXPECT_TRUE(containsIp(info->sans, "203.0.113.5"));
  EXPECT_EQ(mbedtlsVerify(file("apiserver.crt"), file("ca.crt"), "gw.example.com"), 0u);

  // A new node address does the same; a name already covered does not.
  options_.nodeIps.push_back("192.168.7.7");
  PkiStore third = load();
  EXPECT_TRUE(containsIp(inspectCertificate(third.servingCertChainPem())->sans, "192.168.7.7"));
  options_.sans = {"GW.example.com"};
  PkiStore fourth = load();
  EXPECT_EQ(fourth.servingCertChainPem(), third.servingCertChainPem());
}

TEST_F(PkiStoreTest, AlmostExpiredServingCertificateIsRenewedAtStart) {
  PkiStore first = load();
  std::time_t now = clock::nowSeconds();
  auto sans = requiredServingSans(options_);
  ASSERT_TRUE(sans);
  auto shortLived = issueServingCertificate(first.certificateAuthority(), *sans, now, 10 * kDay);
  ASSERT_TRUE(shortLived);
  ASSERT_TRUE(writePrivateFile(path("apiserver.key"), shortLived->keyPem).isOk());
  ASSERT_TRUE(writePrivateFile(path("apiserver.crt"), shortLived->certPem).isOk());

  PkiStore second = load();
  EXPECT_NE(file("apiserver.crt"), shortLived->certPem);
  EXPECT_GE(second.servingNotAfter(), now + 365 * kDay);
  EXPECT_EQ(second.caCertPem(), first.caCertPem());
  EXPECT_EQ(mbedtlsVerify(file("apiserver.crt"), file("ca.crt"), "localhost"), 0u);
}

TEST_F(PkiStoreTest, DailyCheckRenewsWhatIsAboutToExpire) {
  PkiStore store = load();
  std::time_t now = clock::nowSeconds();
  std::string oldServing = store.servingCertChainPem();
  std::string oldAdmin = store.adminCertPem();
  EXPECT_FALSE(store.needsRenewal(now + 200 * kDay));
  std::time_t later = now + 300 * kDay;  // inside the 90-day margin of a one-year certificate
  ASSERT_TRUE(store.needsRenewal(later));
  auto renewal = store.renewExpiring(later);
  ASSERT_TRUE(renewal) << renewal.status().toString();
  EXPECT_TRUE(renewal->serving);
  EXPECT_TRUE(renewal->admin);
  EXPECT_FALSE(store.needsRenewal(later));
  EXPECT_NE(store.servingCertChainPem(), oldServing);
  EXPECT_NE(store.adminCertPem(), oldAdmin);
  EXPECT_EQ(store.servingNotAfter(), later + 365 * kDay);
  EXPECT_EQ(file("apiserver.crt") + file("ca.crt"), store.servingCertChainPem());
  EXPECT_EQ(file("admin.key"), store.adminKeyPem());
  for (const char* name : kAllFiles) EXPECT_EQ(modeOf(path(name)), 0600u) << name;
  // Nothing is due again; a second call changes nothing.
  auto none = store.renewExpiring(later);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->serving || none->admin);
}

TEST_F(PkiStoreTest, CorruptCaKeyIsAnError) {
  load();
  writeFile(path("ca.key"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
  auto store = PkiStore::loadOrCreate(dir_, options_);
  ASSERT_FALSE(store);
  EXPECT_NE(store.status().message().find("ca.key"), std::string::npos) << store.status().message();
  // The broken key is left alone for the operator to restore.
  EXPECT_NE(file("ca.key").find("AAAA"), std::string::npos);
}

TEST_F(PkiStoreTest, UnreadableCaKeyIsAnError) {
  load();
  // A directory in its place: unreadable even for root, for whom permissions do not count.
  fs::remove(path("ca.key"));
  fs::create_directory(path("ca.key"));
  auto store = PkiStore::loadOrCreate(dir_, options_);
  ASSERT_FALSE(store);
  EXPECT_NE(store.status().message().find("cannot read " + path("ca.key")), std::string::npos)
      << store.status().message();
}

TEST_F(PkiStoreTest, CaKeyOfAnotherCaIsAnError) {
  load();
  writeFile(path("ca.key"), makeCa().keyPem);
  auto store = PkiStore::loadOrCreate(dir_, options_);
  ASSERT_FALSE(store);
  EXPECT_NE(store.status().message().find("does not match"), std::string::npos) << store.status().message();
  EXPECT_FALSE(PkiStore::loadCertificateAuthority(dir_).isOk());
}

TEST_F(PkiStoreTest, MissingCaCertificateWithIssuedCertificatesIsAnError) {
  load();
  fs::remove(path("ca.crt"));
  EXPECT_FALSE(PkiStore::loadOrCreate(dir_, options_).isOk());
  fs::remove(path("ca.key"));
  fs::create_directories(dir_);
  EXPECT_FALSE(PkiStore::loadOrCreate(dir_, options_).isOk());  // leaves without any CA
}

TEST_F(PkiStoreTest, InterruptedFirstStartIsCompleted) {
  // The CA key is written first; a crash before ca.crt leaves only the key.
  fs::create_directories(dir_);
  writeFile(path("ca.key"), makeCa().keyPem);
  writeFile(path("ca.key.tmp-abc123"), "half a key");
  PkiStore store = load();
  EXPECT_TRUE(checkKeyMatchesCertificate(file("ca.crt"), file("ca.key")).isOk());
  EXPECT_FALSE(fs::exists(path("ca.key.tmp-abc123")));
}

TEST_F(PkiStoreTest, BrokenLeafFilesAreReissued) {
  PkiStore first = load();
  // A serving key that belongs to another certificate, and an admin certificate from a foreign CA.
  ASSERT_TRUE(writePrivateFile(path("apiserver.key"), first.adminKeyPem()).isOk());
  auto foreign =
      issueClientCertificate(makeCa(), "admin", {"system:masters"}, clock::nowSeconds(), 365 * kDay);
  ASSERT_TRUE(foreign);
  ASSERT_TRUE(writePrivateFile(path("admin.crt"), foreign->certPem).isOk());
  ASSERT_TRUE(writePrivateFile(path("admin.key"), foreign->keyPem).isOk());

  PkiStore second = load();
  EXPECT_EQ(second.caCertPem(), first.caCertPem());
  EXPECT_TRUE(checkKeyMatchesCertificate(file("apiserver.crt"), file("apiserver.key")).isOk());
  EXPECT_TRUE(verifyIssuedBy(file("admin.crt"), file("ca.crt")).isOk());
  EXPECT_NE(second.adminCertPem(), foreign->certPem);

  fs::remove(path("apiserver.crt"));
  PkiStore third = load();
  EXPECT_TRUE(fs::exists(path("apiserver.crt")));
}

TEST_F(PkiStoreTest, LoadCertificateAuthorityNeedsAnExistingPki) {
  auto missing = PkiStore::loadCertificateAuthority(dir_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  PkiStore store = load();
  auto ca = PkiStore::loadCertificateAuthority(dir_);
  ASSERT_TRUE(ca) << ca.status().toString();
  EXPECT_EQ(ca->certPem, store.caCertPem());
}

TEST_F(PkiStoreTest, RequiredSansRejectGarbage) {
  options_.sans = {"not a name"};
  auto store = PkiStore::loadOrCreate(dir_, options_);
  ASSERT_FALSE(store);
  EXPECT_NE(store.status().message().find("--tls-san"), std::string::npos) << store.status().message();
  options_.sans = {};
  options_.clusterDomain = "edge.internal";
  auto sans = requiredServingSans(options_);
  ASSERT_TRUE(sans);
  EXPECT_TRUE(contains(sans->dnsNames, "kubernetes.default.svc.edge.internal"));
}

TEST_F(PkiStoreTest, WritePrivateFileReplacesAtomicallyWithOwnerOnlyMode) {
  fs::create_directories(root_);
  std::string target = root_ + "/secret";
  writeFile(target, "old");
  ::chmod(target.c_str(), 0644);
  ASSERT_TRUE(writePrivateFile(target, "new").isOk());
  EXPECT_EQ(readFile(target), "new");
  EXPECT_EQ(modeOf(target), 0600u);
  size_t entries = std::distance(fs::directory_iterator(root_), fs::directory_iterator());
  EXPECT_EQ(entries, 1u);  // no temporary left behind
  EXPECT_FALSE(writePrivateFile(root_ + "/no/such/dir/file", "x").isOk());
}

// openssl reads what mbedTLS wrote: SANs, names and the chain as a second implementation sees them.
TEST_F(PkiStoreTest, OpensslAgreesWithTheCertificates) {
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl not installed";
  options_.sans = {"gw.example.com"};
  load();
  std::string out = root_ + "/openssl.out";
  auto run = [&out](const std::string& command) {
    int rc = std::system((command + " >" + out + " 2>&1").c_str());
    return std::make_pair(rc, readFile(out));
  };
  auto [rc, text] = run("openssl x509 -noout -text -in " + path("apiserver.crt"));
  ASSERT_EQ(rc, 0) << text;
  for (const char* expected : {"DNS:kubernetes.default.svc.cluster.local", "DNS:gw.example.com", "DNS:edge-1",
                               "IP Address:10.43.0.1", "IP Address:0:0:0:0:0:0:0:1",
                               "IP Address:FD00:1:0:0:0:0:0:20", "TLS Web Server Authentication", "CA:FALSE",
                               "Subject: CN = edgeway-apiserver", "ecdsa-with-SHA256", "prime256v1"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  std::tie(rc, text) =
      run("openssl verify -CAfile " + path("ca.crt") + " " + path("apiserver.crt") + " " + path("admin.crt"));
  EXPECT_EQ(rc, 0) << text;
  std::tie(rc, text) = run("openssl x509 -noout -subject -ext extendedKeyUsage -in " + path("admin.crt"));
  EXPECT_NE(text.find("subject=O = system:masters, CN = admin"), std::string::npos) << text;
  EXPECT_NE(text.find("TLS Web Client Authentication"), std::string::npos) << text;
  std::tie(rc, text) = run("openssl ec -check -noout -in " + path("admin.key"));
  EXPECT_EQ(rc, 0) << text;
}

}  // namespace
}  // namespace edgeway::http
