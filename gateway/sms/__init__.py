"""SMS: the inbound inbox, the outbox and its delivery, and the texts the gateway sends."""
