"""The city-scale data generator behind `manage.py generate_city` (see bench/citygen/core.py)."""
