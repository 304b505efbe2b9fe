-- A mixed load for the soak (benches/soak.py): GetUser 45%, refresh 25%, JWKS 15%, password
-- sign-in 10%, SignUp 5%, chosen at random per request; each connection waits
-- $BENCH_DELAY_MS between requests, which sets the rate.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
local d = c.data
local wait = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
local n = 0
local client = c.q(d.client)
local jwks = "/" .. d.pool .. "/.well-known/jwks.json"

init = function()
  math.randomseed(os.time() + (thread_id or 0) * 7919)
end

delay = function()
  return wait
end

request = function()
  local r = math.random(100)
  if r <= 45 then
    return c.amz("GetUser", '{"AccessToken":' .. c.q(d.access[c.next_index(#d.access)]) .. '}')
  elseif r <= 70 then
    return c.amz("InitiateAuth", '{"ClientId":' .. client
      .. ',"AuthFlow":"REFRESH_TOKEN_AUTH","AuthParameters":{"REFRESH_TOKEN":'
      .. c.q(d.refresh[c.next_index(#d.refresh)]) .. '}}')
  elseif r <= 85 then
    return wrk.format("GET", jwks)
  elseif r <= 95 then
    return c.amz("InitiateAuth", '{"ClientId":' .. client
      .. ',"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":'
      .. c.q(d.users[c.next_index(#d.users)]) .. ',"PASSWORD":' .. c.q(d.password) .. '}}')
  else
    n = n + 1
    local name = "soak-" .. nonce .. "-" .. tostring(thread_id or 0) .. "-" .. n
    return c.amz("SignUp", '{"ClientId":' .. client .. ',"Password":' .. c.q(d.password)
      .. ',"Username":' .. c.q(name)
      .. ',"UserAttributes":[{"Name":"email","Value":' .. c.q(name .. "@example.com") .. '}]}')
  end
end
