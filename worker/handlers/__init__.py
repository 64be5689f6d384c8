"""One module per topic; each handler returns a short word for the log line."""
