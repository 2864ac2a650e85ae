"""gunicorn entry point: ``gunicorn wsgi:app``."""
import gc

from talent import create_app

app = create_app()
# Everything built so far (modules, the app, templates' caches) lives as long as the worker: move it
# out of the garbage collector's sight, so a full collection during a request scans only what
# requests allocate (measured on a 10,000-row import: 0.08-0.11 s -> 0.007 s per full collection).
gc.freeze()
