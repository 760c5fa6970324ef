"""A minimal django-helpdesk 2.6.1 project: the peer of bench/intake.py."""
