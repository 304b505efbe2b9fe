-- GET /{pool}/oauth2/userInfo with a hosted-UI access token (openid scope), tokens in rotation.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
local tokens = c.data.oauth_access
local path = "/" .. c.data.pool .. "/oauth2/userInfo"
request = function()
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[c.next_index(#tokens)] })
end
