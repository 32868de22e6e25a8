"""The floor of Bodega's design: the bare endpoint plus the two Redis round trips every hop makes.

A hop loads its dial's state and counts the caller's hops (one pipeline), then saves the state and
appends the hop to the session log (a second pipeline). This endpoint does exactly that, with the
same commands and a state and log record of a real dial's size, and nothing else: no menus, no SQL,
no screens. Its rate beside ``bench/bare.py`` under the same server shows what keeping each dial in
Redis costs before any shop logic runs, so the journey's ratio can be read against what is possible
at all with state in Redis.

Its keys and log stream are its own (``bench:floor:*``): no worker drains them, and the real
gateway's per-phone hop counts are not touched.
"""

from __future__ import annotations

import json
import os
import time

import redis
from flask import Flask, Response, request

from gateway.ussd.hop import HOP_STREAM_MAXLEN

PREFIX = "bench:floor"  # keys of its own: the real gateway's per-phone hop counts stay untouched
STREAM = f"{PREFIX}:hops"
MID_JOURNEY = {  # what a dial keeps on the quantity screen (about 280 bytes as JSON, like a real one)
    "customer_id": 4711, "lang": "en", "screen": "shop.quantity", "data": {"product": 4242},
    "stack": [["shop.products", {"category": 17, "offset": 6}], ["shop.categories", {"shop": 3}],
              ["home", {"keys": [1, 2, 3, 4, 5, 6], "lead": 0, "cart": 0, "tight": 0}]],
    "bag": {"funnel": "shop", "shop_id": 3}, "reply": "", "ended": False,
}

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"])


@app.post("/hooks/africastalking/ussd")
def hop() -> Response:
    form = request.form
    session_id, phone, text = form["sessionId"], form["phoneNumber"], form.get("text", "")
    key, rate_key = f"{PREFIX}:at:{session_id}", f"{PREFIX}:rate:{phone}:{int(time.time() // 60)}"
    pipe = store.pipeline(transaction=False)
    pipe.get(key)
    pipe.incr(rate_key)
    pipe.expire(rate_key, 120)
    raw, _hits, _ = pipe.execute()
    state = json.loads(raw) if raw else {**MID_JOURNEY, "text": "", "seq": 0}
    reply = "CON hello"
    state.update(text=text, reply=reply, seq=state["seq"] + 1)
    record = {"sid": session_id, "seq": state["seq"], "phone": phone, "code": form.get("serviceCode", ""),
              "net": form.get("networkCode", ""), "screen": state["screen"], "input": text[-2:],
              "reply": reply, "end": 0, "ms": "0.00", "at": f"{time.time():.3f}", "shop": 3,
              "funnel": "shop"}
    pipe.set(key, json.dumps(state, separators=(",", ":")), ex=300)
    pipe.xadd(STREAM, {"hop": json.dumps(record, separators=(",", ":"))}, maxlen=HOP_STREAM_MAXLEN,
              approximate=True)
    pipe.execute()
    return Response(reply, 200, mimetype="text/plain")


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok", 200, mimetype="text/plain")
