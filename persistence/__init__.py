"""Storage: SQLAlchemy models and repositories, unit of work, outbox, Redis stores."""
