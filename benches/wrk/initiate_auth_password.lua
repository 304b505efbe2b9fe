-- InitiateAuth USER_PASSWORD_AUTH, a different seeded user on each request.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
local users = c.data.users
local prefix = '{"ClientId":' .. c.q(c.data.client)
  .. ',"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":'
local suffix = ',"PASSWORD":' .. c.q(c.data.password) .. '}}'
request = function()
  return c.amz("InitiateAuth", prefix .. c.q(users[c.next_index(#users)]) .. suffix)
end
