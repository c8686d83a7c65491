"""Imported by the fork server that starts the service's analysis workers, once: they
fork from it with the analysis code imported and the models loaded."""

from app.services.analysis import preload_models

preload_models()
