-- InitiateAuth REFRESH_TOKEN_AUTH in a pool whose PreTokenGeneration V2 trigger runs on each
-- refresh (the Lambda-compatible endpoint of tests/lambda/runtime.py).
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
local tokens = c.data.trigger_refresh
local prefix = '{"ClientId":' .. c.q(c.data.trigger_client)
  .. ',"AuthFlow":"REFRESH_TOKEN_AUTH","AuthParameters":{"REFRESH_TOKEN":'
request = function()
  return c.amz("InitiateAuth", prefix .. c.q(tokens[c.next_index(#tokens)]) .. '}}')
end
