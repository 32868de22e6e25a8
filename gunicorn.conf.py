"""gunicorn settings read from the working directory (``make run`` and production alike).

The access log leaves out the query string: every webhook URL carries the webhook key
(``?key=...``), and a log line is not the place for a secret.
"""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
