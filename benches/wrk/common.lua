-- Shared by the wrk scripts in benches/wrk/: loads the seeded pool ($BENCH_DATA, a Lua file
-- written by benches/seed.py) and gives each wrk thread its own starting point in the lists, so
-- concurrent connections use distinct users and tokens.
local M = {}

M.data = dofile(os.getenv("BENCH_DATA"))

local threads = 0
-- wrk calls setup(thread) once per thread, in the main Lua state.
function M.setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

-- Thread-local counter: returns 1, 2, ... offset by the thread's id.
local counter = nil
function M.next_index(n)
  if counter == nil then
    counter = ((thread_id or 1) - 1) * 7919
  end
  counter = counter + 1
  return (counter % n) + 1
end

function M.amz(action, body)
  return wrk.format("POST", "/", {
    ["Content-Type"] = "application/x-amz-json-1.1",
    ["X-Amz-Target"] = "AWSCognitoIdentityProviderService." .. action,
  }, body)
end

function M.form(path, body, headers)
  local h = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  for k, v in pairs(headers or {}) do h[k] = v end
  return wrk.format("POST", path, h, body)
end

-- Percent-encoding for form values.
function M.urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(ch) return string.format("%%%02X", string.byte(ch)) end))
end

-- JSON string escaping for the few values we embed (names, tokens: no quotes or backslashes).
function M.q(s)
  return '"' .. s .. '"'
end

return M
