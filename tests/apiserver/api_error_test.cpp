#include "apiserver/api_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace edgeway::apiserver {
namespace {

const ResourceRef kService{"", "services", "Service", "web"};
const ResourceRef kIngress{"networking.k8s.io", "ingresses", "Ingress", "site"};

TEST(ApiErrorTest, NotFoundNamesTheResourceAsKubectlPrintsIt) {
  nlohmann::json s = notFoundError(kService).toStatus();
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(s["code"], 404);
  EXPECT_EQ(s["reason"], "NotFound");
  EXPECT_EQ(s["message"], "services \"web\" not found");
  EXPECT_EQ(s["details"]["name"], "web");
  EXPECT_EQ(s["details"]["kind"], "services");
}

TEST(ApiErrorTest, GroupQualifiesNonCoreResources) {
  EXPECT_EQ(alreadyExistsError(kIngress).message, "ingresses.networking.k8s.io \"site\" already exists");
  EXPECT_EQ(alreadyExistsError(kIngress).toStatus()["details"]["group"], "networking.k8s.io");
}

TEST(ApiErrorTest, ConflictFromStoreStatus) {
  ApiError e = fromStatus(conflict("stale"), kService);
  EXPECT_EQ(e.code, 409);
  EXPECT_EQ(e.message,
            "Operation cannot be fulfilled on services \"web\": the object has been modified; please apply your "
            "changes to the latest version and try again");
  EXPECT_EQ(fromStatus(gone("too old resource version: 1 (5)"), kService).code, 410);
  EXPECT_EQ(fromStatus(internalError("disk"), kService).code, 500);
}

TEST(ApiErrorTest, InvalidListsCausesWithFieldPaths) {
  api::FieldPath port = api::FieldPath("spec").child("ports").index(0).child("port");
  api::FieldErrors errs = {api::invalid(port, 70000, "must be between 1 and 65535, inclusive")};
  nlohmann::json s = invalidError(kService, errs).toStatus();
  EXPECT_EQ(s["code"], 422);
  EXPECT_EQ(s["message"],
            "Service \"web\" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, "
            "inclusive");
  EXPECT_EQ(s["details"]["kind"], "Service");
  ASSERT_EQ(s["details"]["causes"].size(), 1u);
  EXPECT_EQ(s["details"]["causes"][0]["reason"], "FieldValueInvalid");
  EXPECT_EQ(s["details"]["causes"][0]["field"], "spec.ports[0].port");
  EXPECT_EQ(s["details"]["causes"][0]["message"], "Invalid value: 70000: must be between 1 and 65535, inclusive");
}

TEST(ApiErrorTest, InvalidReportsRepeatedErrorsOnce) {
  api::FieldPath name = api::FieldPath("metadata").child("labels");
  api::FieldErrors errs = {api::invalid(name, "x y", "bad"), api::invalid(name, "x y", "bad"),
                           api::required(api::FieldPath("spec").child("ports"))};
  ApiError e = invalidError(kService, errs);
  EXPECT_EQ(e.causes.size(), 2u);
  EXPECT_EQ(e.message,
            "Service \"web\" is invalid: [metadata.labels: Invalid value: \"x y\": bad, spec.ports: Required value]");
}

}  // namespace
}  // namespace edgeway::apiserver
