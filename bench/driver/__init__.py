"""The load runner behind ``bench/run.py`` (``make bench``), one module per job.

- ``environment``: the machine, the databases, the gunicorn server and plain HTTP to it;
- ``endpoints``: what is measured, and what each endpoint is compared with;
- ``wrk``: load scripts for wrk, running it, and reading its output;
- ``measurement``: discovery of each endpoint's paths, one size measured in rounds, in-process
  timings and query counts;
- ``statistics``: rounds into cells, ratios, and the targets' verdicts;
- ``report``: bench/RESULTS.md.

These modules run outside Django (they drive it through ``manage.py`` and gunicorn), so they
import only the standard library and Django-free project modules.
"""
