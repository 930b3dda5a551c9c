"""ORM9xx: SQLAlchemy 2.0 modernisation (opt-in): 1.x spellings, with fixes where the 2.0 one is certain."""
