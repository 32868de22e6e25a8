"""Infrastructure every layer shares: DB and Redis handles, the runtime, errors, i18n, phones, limits."""
