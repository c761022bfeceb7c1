-- wrk script for `make bench` (scripts/bench.py writes the data file and reads the BENCH line).
--
-- Usage: wrk -tN ... -s scripts/bench.lua URL -- MODE TOKEN DATAFILE EXTRA N
--
-- MODE   echo    POST /echo with a small pydantic body (reference app)
--        reftx   POST /ref/cases/{1..EXTRA}/transition, random id (reference app)
--        tx      POST /api/v1/cases/{id}/transitions, toggling hold/resume_deliberation
--        get     GET  /api/v1/cases/{id} of a random "read" case
--        list    GET  /api/v1/cases?limit=50 (first page)
--        record  GET  /api/v1/cases/EXTRA (EXTRA = "{id}/record" plus any query string)
--        mixed   50 % get, 20 % tx, 20 % list, 10 % record
-- DATAFILE lines: "tx ID STAGE ETAG", "read ID", "record ID".
--
-- Why the transition bookkeeping looks like this: wrk runs one Lua state per thread for all of
-- that thread's connections and never says which connection a response came on. So a case is
-- taken from an idle pool when its request is built and put back when a response names it (a
-- CaseOut starts with its "id"; a problem names the case in "instance"), with the ETag and
-- stage that response carries. A case is therefore never in flight twice, every request sends
-- the case's current ETag, and the pool needs more cases than connections.

local mode, token, extra
local auth
local tx_idle = {}   -- stack of idle tx cases: {id=, stage=, etag=}
local tx_by_id = {}  -- id -> case (in flight or idle)
local reads = {}
local record_id
local ref_n = 1000
bad = 0              -- non-2xx seen by this thread (globals: done() reads them via thread:get)
lost = 0             -- tx cases whose response could not be tied back to a case
first_bad = ""

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local echo_body = '{"event":"hold","actor":"bench","note":"reference echo","payload":{"a":1,"b":2}}'

local function load_data(path, tid, nthreads)
  local n = 0
  for line in io.lines(path) do
    local kind, id, stage, etag = line:match("^(%S+)%s+(%S+)%s*(%S*)%s*(%S*)")
    if kind == "tx" then
      -- Threads take disjoint slices so that no case is toggled by two Lua states.
      if n % nthreads == tid then
        local c = { id = id, stage = stage, etag = etag }
        tx_by_id[id] = c
        table.insert(tx_idle, c)
      end
      n = n + 1
    elseif kind == "read" then
      table.insert(reads, id)
    elseif kind == "record" then
      record_id = id
    end
  end
end

function init(args)
  mode = args[1]
  token = args[2]
  extra = args[4] or ""
  local nthreads = tonumber(args[5] or "1")
  auth = "Bearer " .. token
  math.randomseed(os.time() + (tid or 0))
  if args[3] and args[3] ~= "-" then
    load_data(args[3], tid or 0, nthreads)
  end
  if mode == "reftx" and extra ~= "" then
    ref_n = tonumber(extra)
  end
  if mode ~= "tx" and mode ~= "mixed" then
    -- wrk parses response bodies only when a response() exists: spare it that work.
    response = nil
  end
end

local function tx_request()
  local c = table.remove(tx_idle)
  if c == nil then
    -- More connections than idle cases: a deliberate 404 that the report flags.
    lost = lost + 1
    return wrk.format("POST", "/api/v1/cases/no-idle-case/transitions",
      { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, "{}")
  end
  local action = (c.stage == "deliberation_held") and "resume_deliberation" or "hold_deliberation"
  local body = '{"action":"' .. action .. '","reason":"bench toggle"}'
  return wrk.format("POST", "/api/v1/cases/" .. c.id .. "/transitions", {
    ["Authorization"] = auth,
    ["Content-Type"] = "application/json",
    ["If-Match"] = c.etag,
  }, body)
end

local function get_request(path)
  return wrk.format("GET", path, { ["Authorization"] = auth })
end

function request()
  if mode == "echo" then
    return wrk.format("POST", "/echo", { ["Content-Type"] = "application/json" }, echo_body)
  elseif mode == "reftx" then
    return wrk.format("POST", "/ref/cases/" .. math.random(1, ref_n) .. "/transition",
      { ["Content-Type"] = "application/json" }, '{"actor":"bench"}')
  elseif mode == "tx" then
    return tx_request()
  elseif mode == "get" then
    return get_request("/api/v1/cases/" .. reads[math.random(1, #reads)])
  elseif mode == "list" then
    return get_request("/api/v1/cases?limit=50")
  elseif mode == "record" then
    return get_request("/api/v1/cases/" .. extra)
  elseif mode == "mixed" then
    local r = math.random()
    if r < 0.5 then
      return get_request("/api/v1/cases/" .. reads[math.random(1, #reads)])
    elseif r < 0.7 and #tx_idle > 0 then
      return tx_request()
    elseif r < 0.9 then
      return get_request("/api/v1/cases?limit=50")
    else
      return get_request("/api/v1/cases/" .. record_id .. "/record")
    end
  end
end

function response(status, headers, body)
  local id = body:match('^{"id":"([0-9a-f%-]+)"')
  if id == nil then
    id = body:match('"instance":"/api/v1/cases/([0-9a-f%-]+)/transitions"')
  end
  local c = id and tx_by_id[id]
  if status < 200 or status > 299 then
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. body:sub(1, 300):gsub("[\r\n]", " ")
    end
  end
  if c == nil then
    -- A read (get, list, record) or a response we cannot tie to a tx case.
    if status < 200 or status > 299 then
      if body:find("/transitions", 1, true) then
        lost = lost + 1
      end
    end
    return
  end
  if status >= 200 and status <= 299 then
    for k, v in pairs(headers) do
      if k:lower() == "etag" then
        c.etag = v
      end
    end
    c.stage = body:match('"stage":"([%w_]+)"') or c.stage
  else
    -- Failed (counted above): resynchronise from the problem so the run can go on.
    c.stage = body:match('"current_state":"([%w_]+)"') or c.stage
    c.etag = "*"
  end
  table.insert(tx_idle, c)
end

function done(summary, latency, requests)
  local b, l, fb = 0, 0, ""
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
    l = l + (t:get("lost") or 0)
    local f = t:get("first_bad") or ""
    if fb == "" then fb = f end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f,' ..
    '"mean_us":%.1f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"bad":%d,"lost":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, e.connect, e.read, e.write, e.status, e.timeout, b, l))
  if fb ~= "" then
    io.write("BENCHBAD " .. fb .. "\n")
  end
end
