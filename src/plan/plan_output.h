// Printing a plan: JSON for machines, text for people.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "plan/plan.h"

namespace cnfctl::plan {

/// The whole plan as JSON (stable keys; every rendered file included).
nlohmann::json to_json(const Plan& plan);

/// The plan as text: a summary table, then every container in detail with its rendered NF
/// configuration.
std::string to_text(const Plan& plan);

}  // namespace cnfctl::plan
