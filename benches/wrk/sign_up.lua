-- SignUp: a new username on every request (thread id, a per-run nonce and a counter).
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local n = 0
local prefix = '{"ClientId":' .. c.q(c.data.client) .. ',"Password":' .. c.q(c.data.password)
  .. ',"Username":'
request = function()
  n = n + 1
  local name = "su-" .. nonce .. "-" .. tostring(thread_id or 0) .. "-" .. n
  return c.amz("SignUp", prefix .. c.q(name)
    .. ',"UserAttributes":[{"Name":"email","Value":' .. c.q(name .. "@example.com") .. '}]}')
end
