"""gunicorn entry point: ``gunicorn wsgi:app``."""
from talent import create_app

app = create_app()
