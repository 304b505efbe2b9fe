-- GET the pool's JWKS.
package.path = os.getenv("BENCH_WRK_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
wrk.method = "GET"
wrk.path = "/" .. c.data.pool .. "/.well-known/jwks.json"
