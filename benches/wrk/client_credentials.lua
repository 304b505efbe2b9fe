-- POST /{pool}/oauth2/token grant_type=client_credentials, the machine client's secret in
-- HTTP Basic.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
local req = nil
-- built on the first call: wrk adds the Host header only after the script is loaded
request = function()
  if req == nil then
    req = c.form(c.data.token_path or ("/" .. c.data.pool .. "/oauth2/token"), "grant_type=client_credentials&scope=api%2Fread",
      { ["Authorization"] = c.data.basic })
  end
  return req
end
