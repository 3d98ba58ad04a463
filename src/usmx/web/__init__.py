"""The web observatory: ``usmx serve`` (a read-only JSON API and the dashboard) and ``usmx site`` (the same
dashboard as static files). See :mod:`usmx.web.app` and :mod:`usmx.web.snapshots`."""
