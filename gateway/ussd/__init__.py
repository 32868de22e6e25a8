"""The USSD hop (one AT request -> one screen) and the session log it writes."""
