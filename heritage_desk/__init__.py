"""heritage_desk: suggest missing artists and dates for museum collections."""

__version__ = "0.1.0"
