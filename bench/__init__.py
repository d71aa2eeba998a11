"""OnePlan's performance harness: `make bench` (python -m bench). See bench/README.md."""
