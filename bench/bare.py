"""The ceiling of the stack: a bare Flask endpoint that reads AT's form and answers ``CON hello``.

Served by the same server, workers and threads as the gateway, so the journey's hops/s can be read
as a fraction of what Flask plus the server can do at all on this machine.
"""

from __future__ import annotations

from flask import Flask, Response, request

app = Flask(__name__)


@app.post("/hooks/africastalking/ussd")
def hello() -> Response:
    request.form.get("text")  # parse the form as a real hop does
    return Response("CON hello", 200, mimetype="text/plain")


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok", 200, mimetype="text/plain")
