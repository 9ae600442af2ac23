"""The whole-process benchmark's Python peer of the typed JSON workload:
urllib fetches the JSON download, json.loads parses it whole, the LIVE
records are counted. Usage: python3 python_json.py URL ROWS LIVE"""
import json
import sys
import urllib.request

url, rows, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
with opener.open(url) as resp:
    records = json.loads(resp.read())
live = sum(1 for r in records if r.get("live_status") == "LIVE")
if len(records) != rows or live != want:
    sys.exit(f"python_json: {len(records)} rows, {live} LIVE; want {rows}, {want}")
