-- Another path's script ($BENCH_PACED_SCRIPT) with a pause of $BENCH_DELAY_MS before each
-- request: a steady rate well below capacity, so the latency measured is the path's own and
-- what other load does to it, not the queue of a saturated closed loop.
dofile(os.getenv("BENCH_WRK_DIR") .. "/" .. os.getenv("BENCH_PACED_SCRIPT"))
local wait = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
delay = function()
  return wait
end
