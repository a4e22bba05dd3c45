// meta/v1 types (k8s.io/apimachinery/pkg/apis/meta/v1): field numbers from its generated.proto.
#include "api/src/schema_build.h"

namespace edgeway::api::schema {
namespace {

const std::string kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";

const TypeDef& ownerReference() {
  static const TypeDef t =
      type(kMeta + "OwnerReference",
           "Points at an object that owns this one; "
           "the owner must be in the same namespace (or be cluster-scoped).",
           {
               str("apiVersion", 5, "API version of the owner.").required(),
               str("kind", 1, "Kind of the owner.").required(),
               str("name", 3, "Name of the owner.").required(),
               str("uid", 4, "UID of the owner.").required(),
               boolean("controller", 6,
                       "True when the owner is the managing controller; at most one owner may set it.")
                   .keep(),
               boolean("blockOwnerDeletion", 7,
                       "When true, foreground deletion of the owner waits for this object.")
                   .keep(),
           });
  return t;
}

const TypeDef& managedFieldsEntry() {
  static const TypeDef t = type(
      kMeta + "ManagedFieldsEntry",
      "Records which fields one manager set through one operation (server-side apply bookkeeping).",
      {
          str("manager", 1, "Name of the workflow that manages these fields."),
          str("operation", 2, "Kind of operation that set the fields: Apply or Update."),
          str("apiVersion", 3, "API version the field set is expressed in."),
          time("time", 4, "When these fields were last changed.").keep(),
          str("fieldsType", 6, "Format of fieldsV1; only \"FieldsV1\" exists."),
          any("fieldsV1", 7, "The set of managed fields, in the FieldsV1 trie format."),
          str("subresource", 8, "Subresource the fields were written through, empty for the main resource."),
      });
  return t;
}

}  // namespace

const TypeDef& objectMeta() {
  static const TypeDef t = type(
      kMeta + "ObjectMeta",
      "Metadata every persisted object carries: identity, labels, ownership and bookkeeping.",
      {
          str("name", 1, "Unique name within the namespace; required on create unless generateName is set."),
          str("generateName", 2, "Prefix for a server-generated name, used when name is empty."),
          str("namespace", 3, "Namespace the object lives in; empty for cluster-scoped objects."),
          str("selfLink", 4, "Deprecated and unset."),
          str("uid", 5, "Unique id assigned by the server; never reused."),
          str("resourceVersion", 6, "Opaque version of this object, for optimistic concurrency and watches."),
          i64("generation", 7, "Sequence number of spec changes, set by the server."),
          time("creationTimestamp", 8, "When the server created the object."),
          time("deletionTimestamp", 9, "When the object will be deleted; set once deletion is requested.")
              .keep(),
          i64("deletionGracePeriodSeconds", 10, "Seconds the object is allowed to terminate gracefully.")
              .keep(),
          strMap("labels", 11, "Key/value pairs used to select and organise objects."),
          strMap("annotations", 12, "Free-form key/value data for tools; not used for selection."),
          objects("ownerReferences", 13, ownerReference(),
                  "Objects this object depends on; it is garbage "
                  "collected when they are gone.")
              .merge("uid")
              .listMap({"uid"}),
          strings("finalizers", 14, "Conditions that must be cleared before the object is removed.")
              .merge("")
              .set(),
          objects("managedFields", 17, managedFieldsEntry(), "Which manager owns which fields.").atomic(),
      });
  return t;
}

const TypeDef& listMeta() {
  static const TypeDef t =
      type(kMeta + "ListMeta", "Metadata of a list response.",
           {
               str("selfLink", 1, "Deprecated and unset."),
               str("resourceVersion", 2, "Version of the collection; watch from it to see later changes."),
               str("continue", 3, "Token to fetch the next page when the list was limited."),
               i64("remainingItemCount", 4, "Estimated number of items not yet returned.").keep(),
           });
  return t;
}

const TypeDef& condition() {
  static const TypeDef t =
      type(kMeta + "Condition", "One aspect of an object's current state.",
           {
               str("type", 1, "Condition type in CamelCase, e.g. Ready.").required(),
               str("status", 2, "True, False or Unknown.").required().oneOf({"False", "True", "Unknown"}),
               i64("observedGeneration", 3, "metadata.generation the condition was computed from."),
               time("lastTransitionTime", 4, "When status last changed.").required(),
               str("reason", 5, "Machine-readable CamelCase cause of the last transition.").required(),
               str("message", 6, "Human-readable detail about the last transition.").required(),
           });
  return t;
}

namespace {

const TypeDef& statusCause() {
  static const TypeDef t =
      type(kMeta + "StatusCause", "One reason an operation failed, often tied to a field.",
           {
               str("reason", 1, "Machine-readable cause, e.g. FieldValueInvalid."),
               str("message", 2, "Human-readable description of the cause."),
               str("field", 3, "Path of the field at fault, e.g. spec.ports[0].port."),
           });
  return t;
}

const TypeDef& statusDetails() {
  static const TypeDef t =
      type(kMeta + "StatusDetails", "Extra data about a failure.",
           {
               str("name", 1, "Name of the resource the status is about."),
               str("group", 2, "API group of that resource."),
               str("kind", 3, "Kind of that resource."),
               str("uid", 6, "UID of that resource."),
               objects("causes", 4, statusCause(), "Individual causes of the failure.").atomic(),
               i32("retryAfterSeconds", 5, "Suggested seconds to wait before retrying."),
           });
  return t;
}

const TypeDef& preconditions() {
  static const TypeDef t =
      type(kMeta + "Preconditions", "Conditions the object must meet before deletion.",
           {
               str("uid", 1, "Required UID of the object.").keep(),
               str("resourceVersion", 2, "Required resourceVersion of the object.").keep(),
           });
  return t;
}

}  // namespace

const TypeDef& status() {
  static const TypeDef t =
      kind("", "v1", "Status", kMeta + "Status",
           "Result of an operation that returns no object, usually an error.",
           {
               object("metadata", 1, listMeta(), "Standard list metadata."),
               str("status", 2, "Success or Failure."),
               str("message", 3, "Human-readable description of the result."),
               str("reason", 4, "Machine-readable reason, e.g. NotFound or AlreadyExists."),
               object("details", 5, statusDetails(), "Extra data about the result.").keep(),
               i32("code", 6, "HTTP status code of the result."),
           });
  return t;
}

const TypeDef& deleteOptions() {
  static const TypeDef t =
      kind("", "v1", "DeleteOptions", kMeta + "DeleteOptions", "Options of a delete request.",
           {
               i64("gracePeriodSeconds", 1, "Seconds to wait before deleting; 0 deletes at once.").keep(),
               object("preconditions", 2, preconditions(), "Must hold or the delete fails with a conflict.")
                   .keep(),
               boolean("orphanDependents", 3, "Deprecated: use propagationPolicy.").keep(),
               str("propagationPolicy", 4, "How dependents are collected: Orphan, Background or Foreground.")
                   .keep(),
               strings("dryRun", 5, "When \"All\", the delete is validated but not persisted.").atomic(),
               boolean("ignoreStoreReadErrorWithClusterBreakingPotential", 6,
                       "Delete an object whose stored form cannot be read; dangerous.")
                   .keep(),
           });
  return t;
}

const TypeDef& patch() {
  static const TypeDef t =
      type(kMeta + "Patch", "Body of a PATCH request; its format is chosen by the Content-Type header.", {});
  return t;
}

}  // namespace edgeway::api::schema
