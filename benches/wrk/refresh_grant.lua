-- POST /{pool}/oauth2/token grant_type=refresh_token (public hosted-UI client), refresh tokens
-- of several users in rotation.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
local tokens = c.data.oauth_refresh
local path = "/" .. c.data.pool .. "/oauth2/token"
local prefix = "grant_type=refresh_token&client_id=" .. c.data.web .. "&refresh_token="
request = function()
  return c.form(path, prefix .. c.urlencode(tokens[c.next_index(#tokens)]))
end
