-- Runs an Argo CD health script the way Argo CD does, under Lua 5.1: the script is a chunk that reads the
-- global `obj` (the resource as decoded JSON, nulls removed) and returns {status=..., message=...}. Like
-- Argo CD's sandbox for argocd-cm scripts, it sees only the base and table libraries: no string, os, io,
-- require or debug, and strings have no methods (gopher-lua without its string library has none).
-- Usage: lua5.1 argocd-health-runner.lua health.lua < object.json ; prints the result as JSON.
local cjson = require("cjson")

local function strip_nulls(v)
  if type(v) ~= "table" then
    return v
  end
  local out = {}
  for k, x in pairs(v) do
    if x ~= cjson.null then
      out[k] = strip_nulls(x)
    end
  end
  return out
end

local script = arg[1]
local input = io.read("*a")
local obj = strip_nulls(cjson.decode(input))

local chunk, err = loadfile(script)
if chunk == nil then
  io.stderr:write("load error: " .. tostring(err) .. "\n")
  os.exit(3)
end

local env = { obj = obj, table = {} }
for _, name in ipairs({ "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber",
  "tostring", "type", "unpack", "xpcall", "_VERSION", "rawequal", "rawget", "rawset", "setmetatable",
  "getmetatable" }) do
  env[name] = _G[name]
end
for k, f in pairs(table) do
  env.table[k] = f
end
env._G = env
setfenv(chunk, env)

-- no string methods inside the script (`s:sub(1)` must fail as it does without the string library)
local string_meta = getmetatable("")
local saved_index = string_meta.__index
string_meta.__index = nil
-- Argo CD stops a script after a second; count instructions as a stand-in for the clock
local budget = 10000000
debug.sethook(function()
  error("the health script ran too long")
end, "", budget)
local ok, result = pcall(chunk)
debug.sethook()
string_meta.__index = saved_index

if not ok then
  io.stderr:write("runtime error: " .. tostring(result) .. "\n")
  os.exit(4)
end
if type(result) ~= "table" then
  io.stderr:write("the script returned " .. type(result) .. ", not a table\n")
  os.exit(5)
end
io.write(cjson.encode({ status = result.status, message = result.message }))
