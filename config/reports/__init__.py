"""The numbers people take away: exports (CSV/XLSX), the dashboard's chart data and the monthly
report. Read-only over every app, so it lives on the top floor (config)."""
