"""Lambda code of the benchmark designs, packaged next to Baton's own code in the bench artifact."""
