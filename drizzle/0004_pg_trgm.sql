-- Trigram indexes for name search (PGlite loads the extension; PostgreSQL has it in contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
