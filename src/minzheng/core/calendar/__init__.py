"""Statutory working days: the holiday table, provisional years and deadlines (ARCHITECTURE §3 core/calendar)."""
