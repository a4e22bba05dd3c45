// authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview: field numbers
// from k8s.io/api authorization/v1 generated.proto (1.32), checked against the protobuf body
// kubectl 1.32 sends for `auth can-i` and `auth can-i --list`.
#include "api/src/schema_build.h"

namespace edgeway::api::schema {
namespace {

const std::string kAuthz = "io.k8s.api.authorization.v1.";
const std::string kMetaNs = "io.k8s.apimachinery.pkg.apis.meta.v1.";

const TypeDef& fieldSelectorRequirement() {
  static const TypeDef t = type(kMetaNs + "FieldSelectorRequirement", "One term of a field selector.",
                                {
                                    str("key", 1, "Field the term is about.").required(),
                                    str("operator", 2, "In, NotIn, Exists or DoesNotExist.").required(),
                                    strings("values", 3, "Values for In and NotIn.").atomic(),
                                });
  return t;
}

const TypeDef& labelSelectorRequirement() {
  static const TypeDef t = type(kMetaNs + "LabelSelectorRequirement", "One term of a label selector.",
                                {
                                    str("key", 1, "Label key the term is about.").required(),
                                    str("operator", 2, "In, NotIn, Exists or DoesNotExist.").required(),
                                    strings("values", 3, "Values for In and NotIn.").atomic(),
                                });
  return t;
}

const TypeDef& fieldSelectorAttributes() {
  static const TypeDef t = type(
      kAuthz + "FieldSelectorAttributes", "A field selector the access question is limited to.",
      {
          str("rawSelector", 1, "The selector as written in a query string."),
          objects("requirements", 2, fieldSelectorRequirement(), "The selector as parsed terms.").atomic(),
      });
  return t;
}

const TypeDef& labelSelectorAttributes() {
  static const TypeDef t = type(
      kAuthz + "LabelSelectorAttributes", "A label selector the access question is limited to.",
      {
          str("rawSelector", 1, "The selector as written in a query string."),
          objects("requirements", 2, labelSelectorRequirement(), "The selector as parsed terms.").atomic(),
      });
  return t;
}

const TypeDef& resourceAttributes() {
  static const TypeDef t = type(
      kAuthz + "ResourceAttributes", "A request on an API resource, as an authorizer sees it.",
      {
          str("namespace", 1,
              "Namespace of the request; empty means all namespaces or a cluster-scoped resource."),
          str("verb", 2, "get, list, watch, create, update, patch, delete, deletecollection; \"*\" for all."),
          str("group", 3, "API group of the resource; \"*\" for all."),
          str("version", 4, "API version of the resource; \"*\" for all."),
          str("resource", 5, "Plural resource name; \"*\" for all."),
          str("subresource", 6, "Subresource, e.g. status; empty for none."),
          str("name", 7, "Name of one object; empty means all."),
          object("fieldSelector", 8, fieldSelectorAttributes(), "Field selector of a list or watch."),
          object("labelSelector", 9, labelSelectorAttributes(), "Label selector of a list or watch."),
      });
  return t;
}

const TypeDef& nonResourceAttributes() {
  static const TypeDef t =
      type(kAuthz + "NonResourceAttributes", "A request on a path that is not a resource.",
           {
               str("path", 1, "URL path of the request."),
               str("verb", 2, "Lower-case HTTP method, e.g. get."),
           });
  return t;
}

const TypeDef& selfSubjectAccessReviewSpec() {
  static const TypeDef t =
      type(kAuthz + "SelfSubjectAccessReviewSpec",
           "The access question; exactly one of the two attributes is set.",
           {
               object("resourceAttributes", 1, resourceAttributes(), "A question about a resource."),
               object("nonResourceAttributes", 2, nonResourceAttributes(), "A question about a path."),
           });
  return t;
}

const TypeDef& subjectAccessReviewStatus() {
  static const TypeDef t = type(kAuthz + "SubjectAccessReviewStatus", "The answer to an access question.",
                                {
                                    boolean("allowed", 1, "Whether the request would be allowed.").required(),
                                    str("reason", 2, "Why it would be allowed or denied."),
                                    str("evaluationError", 3, "A problem met while deciding."),
                                    boolean("denied", 4, "Whether the request would be explicitly denied."),
                                });
  return t;
}

const TypeDef& selfSubjectRulesReviewSpec() {
  static const TypeDef t =
      type(kAuthz + "SelfSubjectRulesReviewSpec", "The namespace to list permissions in.",
           {
               str("namespace", 1, "Namespace to evaluate the rules for."),
           });
  return t;
}

const TypeDef& resourceRule() {
  static const TypeDef t =
      type(kAuthz + "ResourceRule", "Verbs allowed on some resources.",
           {
               strings("verbs", 1, "Allowed verbs; \"*\" for all.").required(),
               strings("apiGroups", 2, "API groups of the resources; \"*\" for all."),
               strings("resources", 3, "Resources, with subresources as resource/sub; \"*\" for all."),
               strings("resourceNames", 4, "Object names the rule is limited to; empty for all."),
           });
  return t;
}

const TypeDef& nonResourceRule() {
  static const TypeDef t = type(kAuthz + "NonResourceRule", "Verbs allowed on some paths.",
                                {
                                    strings("verbs", 1, "Allowed verbs; \"*\" for all.").required(),
                                    strings("nonResourceURLs", 2, "Paths; a trailing * matches a prefix."),
                                });
  return t;
}

const TypeDef& subjectRulesReviewStatus() {
  static const TypeDef t =
      type(kAuthz + "SubjectRulesReviewStatus", "What the user may do.",
           {
               objects("resourceRules", 1, resourceRule(), "Permissions on resources.").required(),
               objects("nonResourceRules", 2, nonResourceRule(), "Permissions on paths.").required(),
               boolean("incomplete", 3, "Whether the lists may be missing permissions.").required(),
               str("evaluationError", 4, "A problem met while listing."),
           });
  return t;
}

}  // namespace

const TypeDef& selfSubjectAccessReview() {
  static const TypeDef t =
      kind("authorization.k8s.io", "v1", "SelfSubjectAccessReview", kAuthz + "SelfSubjectAccessReview",
           "Asks whether the caller may perform an action.",
           {
               object("metadata", 1, objectMeta(), "Standard object metadata."),
               object("spec", 2, selfSubjectAccessReviewSpec(), "The question.").required(),
               object("status", 3, subjectAccessReviewStatus(), "The answer, set by the server."),
           });
  return t;
}

const TypeDef& selfSubjectRulesReview() {
  static const TypeDef t =
      kind("authorization.k8s.io", "v1", "SelfSubjectRulesReview", kAuthz + "SelfSubjectRulesReview",
           "Lists what the caller may do in a namespace.",
           {
               object("metadata", 1, objectMeta(), "Standard object metadata."),
               object("spec", 2, selfSubjectRulesReviewSpec(), "The namespace asked about.").required(),
               object("status", 3, subjectRulesReviewStatus(), "The answer, set by the server."),
           });
  return t;
}

}  // namespace edgeway::api::schema
