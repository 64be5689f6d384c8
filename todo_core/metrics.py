"""Prometheus metrics for the promises the specification makes (SC-002…SC-007).

One registry per process (prometheus_client's default), scraped from /metrics: the web app
serves it on its own port, the worker on its health port. Names carry their unit; label
values come from a fixed set (routes are templates, never raw paths), so no series explodes.
"""

from prometheus_client import Counter, Gauge, Histogram

# Reminders are promised within 10 s (SC-003): fine buckets up to there, coarse after.
_LATENESS_BUCKETS = (0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 30, 60, 300, 3600)

HTTP_REQUESTS = Counter(
    "todo_http_requests_total", "API requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "todo_http_request_duration_seconds", "API request latency", ["method", "route"]
)
OUTBOX_DEPTH = Gauge("todo_outbox_depth", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "todo_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0: none)"
)
OUTBOX_PUBLISH_DELAY = Histogram(
    "todo_outbox_publish_delay_seconds",
    "Outbox row written to its publish through the sidecar (SC-002: within 5 s)",
    buckets=_LATENESS_BUCKETS,
)
OUTBOX_PUBLISHED = Counter(
    "todo_outbox_published_total", "Outbox publish attempts", ["topic", "outcome"]
)
EVENTS_HANDLED = Counter(
    "todo_events_handled_total",
    "Messages handled by the worker, by outcome (success, retry, drop)",
    ["topic", "outcome"],
)
DEAD_LETTERED = Counter(
    "todo_dead_lettered_total", "Records the worker published to a dead-letter topic", ["topic"]
)
JOBS_HANDLED = Counter("todo_jobs_handled_total", "Job triggers handled", ["outcome"])
REMINDER_LATENESS = Histogram(
    "todo_reminder_lateness_seconds",
    "Notification recorded minus the reminder's time",
    buckets=_LATENESS_BUCKETS,
)
ASSISTANT_REPLIES = Counter(
    "todo_assistant_replies_total",
    "Assistant replies by parse outcome (acted, asked, listed, not_understood)",
    ["outcome"],
)
NEXT_OCCURRENCE_LATENCY = Histogram(
    "todo_next_occurrence_latency_seconds",
    "Next occurrence of a series created minus the completion that asked for it",
    buckets=_LATENESS_BUCKETS,
)
