"""What every app's API shares: errors, pagination, schema helpers, filters, renderers."""
