"""Operations: migrations, backup and restore, the health check and the command line."""
