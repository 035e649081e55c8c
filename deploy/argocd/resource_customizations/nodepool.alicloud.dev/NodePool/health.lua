-- Argo CD health of a nodepool.alicloud.dev pool (NodePool and ManagedNodePool share this script).
-- Healthy: the operator observed the current generation and Ready is True.
-- Progressing: the generation is not observed yet, the pool is being deleted, Progressing is True, or Ready is
--   not True yet.
-- Degraded: Degraded is True, with that condition's message.
-- Runs under Argo CD's restricted Lua 5.1 (base and table libraries only): no string library, no os, no io.
local hs = { status = "Progressing", message = "Waiting for the operator to report the pool's status" }

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
  if obj.metadata.deletionTimestamp ~= nil then
    hs.message = "The pool is being deleted"
    return hs
  end
end

local status = obj.status
if status == nil then
  return hs
end

if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local ready, progressing, degraded = nil, nil, nil
if status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    -- a condition set for an older generation says nothing about the current spec
    local current = generation == nil or c.observedGeneration == nil or c.observedGeneration >= generation
    if current then
      if c.type == "Ready" then
        ready = c
      elseif c.type == "Progressing" then
        progressing = c
      elseif c.type == "Degraded" then
        degraded = c
      end
    end
  end
end

local function describe(c, fallback)
  if c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(degraded, "The pool is degraded")
  return hs
end
if progressing ~= nil and progressing.status == "True" then
  hs.message = describe(progressing, "The pool is progressing")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "The pool is ready")
  return hs
end
if ready ~= nil then
  hs.message = describe(ready, "The pool is not ready yet")
else
  hs.message = "Waiting for the pool's Ready condition"
end
return hs
