"""The demo agency: a fictional town, its people and a steady stream of simulated calls."""
