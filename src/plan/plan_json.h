// Reading a plan back from the JSON that to_json() writes (the run journal keeps the full plan,
// so `down`, `restart` and `ps` act on exactly what `up` planned, never re-deriving it).
#pragma once

#include <nlohmann/json.hpp>

#include "plan/plan.h"

namespace cnfctl::plan {

/// The plan that to_json() printed as `json`: from_json(to_json(p)) equals p in every field
/// to_json() writes (source locations and env order apart: MICROSERVICE_LABEL first, then by
/// name). Throws cnfctl::Error (a failure: the journal is damaged) naming the missing or
/// mistyped key.
Plan from_json(const nlohmann::json& json);

}  // namespace cnfctl::plan
