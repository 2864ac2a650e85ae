"""API v1 resources, one module per area. Each declares its endpoints with
``talent.api.core.operation`` and calls the same services as the web pages."""
