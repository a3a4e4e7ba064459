"""A study's cells: config, validation, the workdir, typed results and their summaries."""
