-- The request plan of one bench scenario for wrk (bench/load.ts writes it).
-- BENCH_PLAN names a file of "key<TAB>value" lines:
--   mode     get | post | action | mixed
--   path     the GET path (get, mixed) or the POST path (post)
--   accept   the Accept header
--   ctype    the Content-Type of POST bodies
--   body     a file holding the POST body (post, mixed)
--   post     the POST path (mixed)
--   paths    a file of entity paths, one a line (action)
-- done() prints one line "BENCH_JSON {...}" that bench/load.ts reads.

local function readall(name)
  local f = assert(io.open(name, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local plan = {}
local planFile = os.getenv("BENCH_PLAN")
assert(planFile, "BENCH_PLAN is not set")
for line in io.lines(planFile) do
  local k, v = line:match("^([%w_]+)\t(.*)$")
  if k then plan[k] = v end
end

local mode = plan.mode

if mode == "get" then
  -- Static requests: wrk's fastest path, the same for both sides.
  wrk.method = "GET"
  wrk.path = plan.path
  wrk.headers["Accept"] = plan.accept
elseif mode == "post" then
  wrk.method = "POST"
  wrk.path = plan.path
  wrk.body = readall(plan.body)
  wrk.headers["Accept"] = plan.accept
  wrk.headers["Content-Type"] = plan.ctype
elseif mode == "action" then
  -- start then stop on each compute in turn; the pool is large enough that
  -- a compute never has two requests in flight, so every action is valid.
  -- Requests are built in init(): wrk.host (for Host) is not set before.
  local starts, stops, started = {}, {}, {}
  init = function()
    for p in io.lines(plan.paths) do
      starts[#starts + 1] = wrk.format("POST", p .. "?action=start", { ["Accept"] = plan.accept })
      stops[#stops + 1] = wrk.format("POST", p .. "?action=stop", { ["Accept"] = plan.accept })
      started[#started + 1] = false
    end
  end
  local i = 0
  local verified = false
  request = function()
    -- wrk calls request() once after init() to check the request, and
    -- never sends that one: it must not count as a state change.
    if not verified then
      verified = true
      return starts[1]
    end
    i = i % #starts + 1
    started[i] = not started[i]
    return started[i] and starts[i] or stops[i]
  end
elseif mode == "mixed" then
  -- 9 reads, then 1 creation.
  local get, post
  init = function()
    get = wrk.format("GET", plan.path, { ["Accept"] = plan.accept })
    post = wrk.format("POST", plan.post, { ["Accept"] = plan.accept, ["Content-Type"] = plan.ctype }, readall(plan.body))
  end
  local n = 0
  request = function()
    n = n % 10 + 1
    return n == 10 and post or get
  end
else
  error("unknown mode " .. tostring(mode))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
