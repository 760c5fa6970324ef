"""The floor of bench/intake.py: the least work an intake can do (what no real one can beat)."""
