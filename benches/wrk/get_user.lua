-- GetUser with a user's access token (signature verified by the server), tokens in rotation.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
local tokens = c.data.access
request = function()
  return c.amz("GetUser", '{"AccessToken":' .. c.q(tokens[c.next_index(#tokens)]) .. '}')
end
