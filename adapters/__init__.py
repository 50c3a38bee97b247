"""Channel adapters: they only translate platform messages to and from the core's."""
