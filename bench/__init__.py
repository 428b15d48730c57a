"""DAH Guide's benchmark (issue 7). Run it with ``bench/run``; see README "## Performance"."""
