"""The domain shared by the web app and the worker: models, migrations, repositories,
recurrence, event contracts, the outbox relay, settings and logging."""
