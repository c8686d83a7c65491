"""Evaluation on labelled sets, outside the service's runtime: it drives ingest as a
client would and watches the LSH stage through ``app.services.planning``'s probe
observers, not through fields on production results."""
