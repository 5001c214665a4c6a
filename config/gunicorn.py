"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi` (flags on the command line win).

The worker classes answer gunicorn's own errors (400 bad request line, 414 long URL, 431 large
headers) with problem+json like the rest of the API (config/gunicorn_workers.py). Set
GUNICORN_THREADS above 1 for the threaded worker; WEB_CONCURRENCY is gunicorn's own variable
for the number of workers.
"""

import os

threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = (
    "config.gunicorn_workers.ProblemThreadWorker"
    if threads > 1
    else "config.gunicorn_workers.ProblemSyncWorker"
)
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gunicorn's defaults, stated so that the 414/431 messages and the README agree with them.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
