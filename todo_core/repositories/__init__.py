"""Data access. Every function takes the caller's AsyncSession and never commits: the caller
owns the transaction (db.session_scope), so data and outbox events commit together."""
