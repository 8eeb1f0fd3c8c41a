"""The report layer: one immutable report value per run and one module per surface that shows it."""
