-- wrk script: many concurrent Africa's Talking USSD journeys, one per connection at a time.
--
-- Run wrk with as many threads as connections (-t N -c N): wrk's Lua state is per thread and
-- its callbacks do not say which connection answered, so one connection per thread is what
-- keeps each dial's hops in order (text grows "" -> "1" -> "1*2" ... within one sessionId).
--
-- Environment:
--   BENCH_PATH      request path, e.g. /hooks/africastalking/ussd?key=...   (required)
--   BENCH_PHONES    size of the phone pool (phones +254710000000 + n)       (default 100000)
--   BENCH_PHONE_BASE  the pool index this run's first caller takes          (default 0)
--   BENCH_SHOPS     number of shops, for direct dials *384*123*<shop>#      (default 5)
--   BENCH_RATE      total hops/s to offer across all connections; 0 = flat out (default 0)
--   BENCH_CHECKOUT  "1" to go on past "Added" to checkout and confirm (the order is placed)
--   BENCH_CONNS     connection count (to split BENCH_RATE)                  (default 1)

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local path = os.getenv("BENCH_PATH") or "/hooks/africastalking/ussd"
local phones = tonumber(os.getenv("BENCH_PHONES") or "100000")
local phone_base = tonumber(os.getenv("BENCH_PHONE_BASE") or "0") -- where this run's callers start
local shops = tonumber(os.getenv("BENCH_SHOPS") or "5")
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local conns = tonumber(os.getenv("BENCH_CONNS") or "1")
local checkout = os.getenv("BENCH_CHECKOUT") == "1"
local run = os.getenv("BENCH_RUN") or tostring(os.time()) -- unique per wrk run: session ids never repeat

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

-- per-thread state (globals live in the thread's own Lua state)
local journey = 0      -- journeys started by this thread
local steps = {}       -- answers of the current journey, in order
local at = 0           -- index of the next answer to send (0 = the dial itself)
local text = ""
local sid = ""
local phone = ""
local code = ""
local interval = 0
local next_at = 0
local summary_at = -1  -- index of the answer whose reply is the checkout summary
hops = 0
journeys_done = 0
bad_status = 0
bad_body = 0
early_end = 0
wrong_screen = 0
sample = ""

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- bench/seed.py's product names start with one of these words
local words = {"fresh", "local", "big", "small", "red", "green", "sweet", "dry", "family", "daily"}

local function new_journey()
  journey = journey + 1
  local n = (phone_base + (journey - 1) * conns + (tid - 1)) % phones
  phone = "+" .. string.format("%d", 254710000000 + n)
  sid = string.format("ATUid_%s_%d_%d", run, tid, journey)
  text = ""
  at = 0
  -- A phone keeps to one shop, so its cart never holds two shops' items.
  local shop_pick = (math.floor(n / 2) % 3) + 1
  local category = (n % 2) + 1
  local product = (math.floor(n / 7) % 3) + 1
  if n % 4 == 0 then
    -- From the first screen: the shop, 90 Search, a word of its names, the first match, 1 of it.
    code = "*384*123#"
    steps = {tostring(shop_pick), "90", words[(math.floor(n / 4) % #words) + 1], "1", "1"}
  elseif n % 2 == 0 then
    -- The shops are on the first screen: shop, category, next page, product, quantity.
    code = "*384*123#"
    steps = {tostring(shop_pick), tostring(category), "98", tostring(product), "1"}
  else
    code = "*384*123*" .. tostring((n % shops) + 1) .. "#"
    steps = {tostring(category), "98", tostring(product), "1"}
  end
  if checkout then
    -- Checkout (the summary), 3 Change payment, M-Pesa (sandbox) or cash by phone, Confirm: the
    -- order is placed. The summary offers Change payment only when there is a choice (production
    -- offers no wallet it has no account for): then response() takes 2 Change delivery and 1 Pick
    -- up instead, or only Confirm, as a customer reading the screen would.
    for _, a in ipairs({"1", "3", tostring((math.floor(n / 3) % 2) + 1), "1"}) do table.insert(steps, a) end
    summary_at = #steps - 3
  else
    summary_at = -1
  end
end

function init(args)
  math.randomseed(os.time() + tid * 7919)
  new_journey()
  if rate > 0 then
    interval = 1000.0 * conns / rate
    next_at = now_ms() + math.random() * interval
  end
end

function delay()
  if interval <= 0 then return 0 end
  next_at = next_at + interval
  local wait = next_at - now_ms()
  if wait < 0 then
    next_at = now_ms() -- behind schedule: do not pile up a burst to catch up
    return 0
  end
  return math.floor(wait)
end

function request()
  if at > 0 then
    local answer = steps[at]
    text = (text == "") and answer or (text .. "*" .. answer)
  end
  local body = "sessionId=" .. sid .. "&phoneNumber=" .. urlencode(phone) .. "&networkCode=63902"
    .. "&serviceCode=" .. urlencode(code) .. "&text=" .. urlencode(text)
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  hops = hops + 1
  local last = (at == #steps)
  if status ~= 200 then
    bad_status = bad_status + 1
    new_journey()
    return
  end
  local head = string.sub(body, 1, 4)
  if head ~= "CON " and head ~= "END " then
    bad_body = bad_body + 1
    new_journey()
    return
  end
  if head == "END " and not last then
    early_end = early_end + 1
    sample = string.sub(text .. " => " .. body, 1, 120)
    new_journey()
    return
  end
  if at == 0 and code == "*384*123#" and string.find(body, "\n1. Order again", 1, true) then
    steps[1] = tostring(tonumber(steps[1]) + 1) -- a returning phone: Order again comes first
  end
  if at == summary_at and head == "CON " and not string.find(body, "\n3. ", 1, true) then
    if string.find(body, "\n2. ", 1, true) then
      steps[at + 1], steps[at + 2] = "2", "1" -- Change delivery, Pick up: back on the summary
    else
      table.remove(steps, at + 1) -- only Confirm is offered
      table.remove(steps, at + 1)
    end
  end
  if last then
    journeys_done = journeys_done + 1
    local expected = checkout and "Order " or "Added"
    if not string.find(body, expected, 1, true) and not string.find(body, "hello", 1, true) then
      wrong_screen = wrong_screen + 1
      sample = string.sub(text .. " => " .. body, 1, 120)
    end
    new_journey()
    return
  end
  at = at + 1
end

function done(summary, latency, requests)
  local t = {hops = 0, journeys = 0, bad_status = 0, bad_body = 0, early_end = 0, wrong_screen = 0}
  for _, thread in ipairs(threads) do
    t.hops = t.hops + thread:get("hops")
    t.journeys = t.journeys + thread:get("journeys_done")
    t.bad_status = t.bad_status + thread:get("bad_status")
    t.bad_body = t.bad_body + thread:get("bad_body")
    t.early_end = t.early_end + thread:get("early_end")
    t.wrong_screen = t.wrong_screen + thread:get("wrong_screen")
    local s = thread:get("sample")
    if s ~= "" then io.write("BENCH_SAMPLE " .. s:gsub("\n", " | ") .. "\n") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,'
    .. '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,'
    .. '"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f,"hops":%d,"journeys":%d,"bad_status":%d,'
    .. '"bad_body":%d,"early_end":%d,"wrong_screen":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean, t.hops, t.journeys, t.bad_status, t.bad_body,
    t.early_end, t.wrong_screen))
end
