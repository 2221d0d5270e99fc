-- Drives wrk through a list of requests (one per line: METHOD<TAB>PATH<TAB>BODY), so every
-- request can hit a different place, viewport or word; threads start at different offsets.
-- A body containing "{n}" gets a per-request counter, so repeated writes are distinct.
-- done() prints one JSON line (prefix "RUMBO ") with throughput, errors and latency.
-- Extra script arguments "Name: value" become headers of every request.

local requests = {}
local counter = 0
local thread_offset = 0
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  local path = args[1]
  local headers = {}
  for i = 2, #args do
    local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  for line in io.lines(path) do
    local method, target, body = string.match(line, "^(%u+)\t([^\t]+)\t?(.*)$")
    if method then
      table.insert(requests, {method = method, path = target, body = body})
    end
  end
  wrk.headers = headers
  thread_offset = (thread_id or 0) * 7919
  counter = thread_offset
end

function request()
  counter = counter + 1
  local r = requests[(counter % #requests) + 1]
  if r.body ~= nil and r.body ~= "" then
    local body = string.gsub(r.body, "{n}", tostring(counter))
    local headers = {["Content-Type"] = "application/json"}
    for k, v in pairs(wrk.headers) do headers[k] = v end
    return wrk.format(r.method, r.path, headers, body)
  end
  return wrk.format(r.method, r.path)
end

-- No response() callback: it would make wrk parse every response in Lua (and slow it).
function done(summary, latency, requests)
  io.write(string.format(
    'RUMBO {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max))
end
