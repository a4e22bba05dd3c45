#pragma once
// Server-side Table columns and cells for each kind, computed the way kube-apiserver's printers
// compute them so `kubectl get` output matches a real cluster. kube-apiserver always prints the
// wide set of cells; kubectl hides priority-1 columns unless `-o wide`.

#include <ctime>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apiserver/resource_info.h"

namespace edgeway::apiserver::tables {

// apimachinery's HumanDuration: "45s" below 2 minutes, "5m30s" below 10 minutes, "2h5m" below
// 8 hours, "2d3h" below 8 days, "1y45d" below 8 years; "<invalid>" for clocks more than a second
// in the future.
std::string humanDuration(long long seconds);

// Age of a timestamp field relative to `now`; "<unknown>" when absent or unparsable.
std::string since(const nlohmann::json& timestamp, std::time_t now);
// The Age cell of an object (metadata.creationTimestamp).
std::string age(const nlohmann::json& obj, std::time_t now);

// Items joined with `sep`.
std::string join(const std::vector<std::string>& items, std::string_view sep);

TableColumn nameColumn();
TableColumn ageColumn();
TableColumn column(std::string name, std::string description, int priority = 0, std::string type = "string");

TableConvertor serviceTable();
TableConvertor namespaceTable();
TableConvertor endpointsTable();
TableConvertor podTable();
TableConvertor nodeTable();
TableConvertor secretTable();
TableConvertor eventTable();
TableConvertor endpointSliceTable();
TableConvertor ingressTable();
TableConvertor ingressClassTable();

}  // namespace edgeway::apiserver::tables
