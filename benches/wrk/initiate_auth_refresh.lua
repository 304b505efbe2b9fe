-- InitiateAuth REFRESH_TOKEN_AUTH, refresh tokens of several users in rotation.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
local tokens = c.data.refresh
local prefix = '{"ClientId":' .. c.q(c.data.client)
  .. ',"AuthFlow":"REFRESH_TOKEN_AUTH","AuthParameters":{"REFRESH_TOKEN":'
request = function()
  return c.amz("InitiateAuth", prefix .. c.q(tokens[c.next_index(#tokens)]) .. '}}')
end
